import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Paise } from '../../../libs/domain/src';
import type { ClearingService, ClearingStats, CycleReport } from '../../../libs/clearing/src';
import { CLEARING_SERVICE } from './tokens';

export interface ClearingCyclesView {
  /** Closed settlement cycles, oldest first. */
  readonly cycles: readonly CycleReport[];
  readonly stats: ClearingStats;
}

export interface ClearingPositionsView {
  /** Cumulative net position per bank over every entry so far: receivable positive, payable negative. */
  readonly totals: Readonly<Record<string, Paise>>;
  /** Sum of `totals`; multilateral netting keeps it 0. */
  readonly sum: Paise;
}

/** Read-only views of clearing: closed cycles and cumulative net positions. */
@ApiTags('clearing')
@Controller('clearing')
export class ClearingController {
  constructor(@Inject(CLEARING_SERVICE) private readonly service: ClearingService) {}

  @Get('cycles')
  cycles(): ClearingCyclesView {
    return { cycles: this.service.reports(), stats: this.service.stats() };
  }

  @Get('positions')
  positions(): ClearingPositionsView {
    const totals = this.service.totals();
    return { totals, sum: Object.values(totals).reduce((a, b) => a + b, 0) };
  }
}
