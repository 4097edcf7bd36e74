import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IDEMPOTENCY_HEADER, type PaymentThrottle, type PspCore } from '../../../libs/psp/src';
import { ApiHttpError } from './api-error';
import { ApiErrorDto, PaymentRequestDto, PaymentResultDto } from './dto';
import { PSP_CORE, THROTTLE } from './tokens';

@ApiTags('payments')
@Controller('v1/payments')
export class PaymentsController {
  constructor(
    @Inject(PSP_CORE) private readonly core: PspCore,
    @Inject(THROTTLE) private readonly throttle: PaymentThrottle,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiHeader({ name: IDEMPOTENCY_HEADER, required: true, description: '1-64 characters of [A-Za-z0-9_-]' })
  @ApiBody({ type: PaymentRequestDto })
  @ApiResponse({ status: 200, type: PaymentResultDto, description: 'the outcome' })
  @ApiResponse({
    status: 202,
    type: PaymentResultDto,
    description: 'accepted; outcome not known yet (PENDING)',
  })
  @ApiResponse({ status: 400, type: ApiErrorDto })
  @ApiResponse({ status: 409, type: ApiErrorDto, description: 'Idempotency-Key reused with another body' })
  @ApiResponse({ status: 413, type: ApiErrorDto })
  @ApiResponse({ status: 429, type: ApiErrorDto, description: 'throttled (fault injection)' })
  async pay(
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object> {
    // An injected overload (PUT /admin/throttle) refuses before anything is claimed or sent.
    const refused = this.throttle.admit((body as { payerVpa?: unknown } | null)?.payerVpa, Date.now());
    if (refused !== null) {
      void reply.header('Retry-After', '1');
      throw new ApiHttpError(refused, 'THROTTLED', 'the PSP is throttling payments; retry later');
    }
    const r = await this.core.pay(key, body);
    void reply.status(r.httpStatus);
    if (r.replayed) void reply.header('Idempotent-Replayed', 'true');
    return r.body;
  }

  @Get(':txnId')
  @ApiResponse({ status: 200, type: PaymentResultDto })
  @ApiResponse({ status: 404, type: ApiErrorDto })
  get(@Param('txnId') txnId: string): object {
    const s = this.core.status(txnId);
    if (!s) throw new ApiHttpError(404, 'NOT_FOUND', 'no such payment', 'txnId');
    return s;
  }
}
