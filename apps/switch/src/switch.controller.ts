import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { RespChkTxn, TxnStatus } from '../../../libs/domain/src';
import type { SwitchService } from '../../../libs/switch/src';
import { ApiHttpError } from '../../psp/src/api-error';
import { SWITCH_SERVICE } from './tokens';

export interface SwitchTxnView {
  readonly txnId: string;
  readonly status: TxnStatus;
  readonly code: RespChkTxn['code'];
}

export interface SwitchStatsView {
  /** Payments the switch has registered (every distinct txnId it has seen). */
  readonly registrySize: number;
  /** Payments whose coordinator work is still outstanding. */
  readonly coordinatorActive: number;
  /** Registered payments by current status. */
  readonly byStatus: Readonly<Record<string, number>>;
}

/** Read-only views of one switch node: what `statusOf` answers (ReqChkTxn) and its registry. */
@ApiTags('switch')
@Controller('switch')
export class SwitchController {
  constructor(@Inject(SWITCH_SERVICE) private readonly service: SwitchService) {}

  @Get('txns/:txnId')
  txn(@Param('txnId') txnId: string): SwitchTxnView {
    const s = this.service.statusOf(txnId);
    if (s.status === 'UNKNOWN') {
      throw new ApiHttpError(404, 'NOT_FOUND', `the switch has no transaction ${txnId}`, 'txnId');
    }
    return { txnId: s.txnId, status: s.status, code: s.code };
  }

  @Get('stats')
  stats(): SwitchStatsView {
    let registrySize = 0;
    const byStatus: Record<string, number> = {};
    for (const e of this.service.entries()) {
      registrySize++;
      byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
    }
    return { registrySize, coordinatorActive: this.service.active, byStatus };
  }
}
