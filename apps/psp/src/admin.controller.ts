import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AccountView, LedgerStore, LedgerSummary } from '../../../libs/ledger/src/ledger-store';
import { ApiHttpError } from './api-error';
import { AdminGuard } from './admin.guard';
import { LEDGER } from './tokens';

export const ACCOUNTS_DEFAULT_LIMIT = 100;
export const ACCOUNTS_MAX_LIMIT = 1_000;
const BANK_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** Read-only views of the ledger for operators. Loopback + bearer token only (see AdminGuard). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('admin')
export class AdminController {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerStore) {}

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
