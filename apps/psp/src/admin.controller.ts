import { Body, Controller, Delete, Get, HttpCode, Inject, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AccountView, LedgerStore, LedgerSummary } from '../../../libs/ledger/src/ledger-store';
import { ApiHttpError } from './api-error';
import { AdminGuard } from './admin.guard';
import { parseThrottleBody, type PaymentThrottle, type ThrottleSetting } from '../../../libs/psp/src';
import { LEDGER, THROTTLE } from './tokens';

export const ACCOUNTS_DEFAULT_LIMIT = 100;
export const ACCOUNTS_MAX_LIMIT = 1_000;
const BANK_RE = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Read-only views of the ledger for operators, and the payment throttle (fault injection).
 * Loopback + bearer token only (see AdminGuard).
 */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('admin')
export class AdminController {
  constructor(
    @Inject(LEDGER) private readonly ledger: LedgerStore,
    @Inject(THROTTLE) private readonly throttle: PaymentThrottle,
  ) {}

  /** Refuse payments beyond `ratePerSec` with 429 or 503 (only payers on `handles`, if given). */
  @Put('throttle')
  setThrottle(@Body() body: unknown): { throttle: ThrottleSetting } {
    const r = parseThrottleBody(body);
    if (!r.ok) throw new ApiHttpError(400, 'INVALID_BODY', r.message, r.field);
    this.throttle.set(r.setting, Date.now());
    return { throttle: r.setting };
  }

  @Get('throttle')
  getThrottle(): { throttle: ThrottleSetting | null; refused: number } {
    return { throttle: this.throttle.current, refused: this.throttle.refused };
  }

  @Delete('throttle')
  @HttpCode(204)
  clearThrottle(): void {
    this.throttle.clear();
  }

  @Get('ledger/summary')
  summary(): Promise<LedgerSummary> {
    return this.ledger.summary();
  }

  @Get('accounts')
  @ApiQuery({ name: 'bank', required: false })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `1-${ACCOUNTS_MAX_LIMIT}, default ${ACCOUNTS_DEFAULT_LIMIT}`,
  })
  accounts(@Query('bank') bank?: unknown, @Query('limit') limit?: unknown): Promise<AccountView[]> {
    if (bank !== undefined && (typeof bank !== 'string' || !BANK_RE.test(bank))) {
      throw new ApiHttpError(400, 'INVALID_QUERY', 'bank must be 1-32 characters of [A-Za-z0-9_-]', 'bank');
    }
    let n = ACCOUNTS_DEFAULT_LIMIT;
    if (limit !== undefined) {
      n = typeof limit === 'string' && /^\d{1,5}$/.test(limit) ? Number(limit) : NaN;
      if (!(n >= 1 && n <= ACCOUNTS_MAX_LIMIT)) {
        throw new ApiHttpError(
          400,
          'INVALID_QUERY',
          `limit must be an integer from 1 to ${ACCOUNTS_MAX_LIMIT}`,
          'limit',
        );
      }
    }
    return this.ledger.accounts(bank === undefined ? { limit: n } : { bank, limit: n });
  }
}
