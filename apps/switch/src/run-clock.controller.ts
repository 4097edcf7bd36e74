import { Body, Controller, Get, Inject, Put, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { formatTimeOfDay } from '../../../libs/scheduling/src';
import type { SwitchService } from '../../../libs/switch/src';
import { AdminGuard } from '../../psp/src/admin.guard';
import { parseRunClockBody } from './run-clock-body';
import { SWITCH_SERVICE } from './tokens';

/** What `GET`/`PUT /admin/run-clock` answer. */
export interface RunClockView {
  /** When the run clock read `startTimeOfDay` (the switch's clock: epoch ms in a live process). */
  readonly startedAt: number;
  /** The run's time of day at `startedAt`, 'HH:MM[:SS]'. */
  readonly startTimeOfDay: string;
  /** The time of day the switch's system-traffic gate reads now, 'HH:MM:SS'. */
  readonly timeOfDayNow: string | null;
}

/** What `PUT /admin/run-clock` answers: the clock now in force, and whether the Raft log holds it. */
export interface RunClockSetView extends RunClockView {
  /**
   * True when this replica leads and committed the clock to the replicated log, so every replica,
   * one restarted later included, reads it. False for a single switch, a follower, or a leader
   * that lost its leadership first: the clock then holds on the replicas told directly.
   */
  readonly replicated: boolean;
}

/**
 * The run clock of a switch node. A live switch process is started before the runs it serves, so
 * each run announces when it started (`upi-lab run --live` does, on every replica); the
 * system-traffic gate then reads the scenario's `startTimeOfDay` at that instant, instead of at the
 * process's own start. The leader also commits it to the Raft log (see `SwitchService.announceRunClock`).
 */
@ApiTags('admin')
@UseGuards(AdminGuard)
@Controller('admin/run-clock')
export class RunClockController {
  constructor(@Inject(SWITCH_SERVICE) private readonly service: SwitchService) {}

  @Get()
  get(): RunClockView {
    return this.view();
  }

  @Put()
  async set(@Body() body: unknown): Promise<RunClockSetView> {
    const c = this.service.timeOfDay();
    const replicated = await this.service.announceRunClock(parseRunClockBody(body, c.now, c.startTimeOfDay));
    return { ...this.view(), replicated };
  }

  private view(): RunClockView {
    const c = this.service.timeOfDay();
    return {
      startedAt: c.clockOrigin,
      startTimeOfDay: c.startTimeOfDay,
      timeOfDayNow: c.timeOfDayMs === null ? null : formatTimeOfDay(c.timeOfDayMs),
    };
  }
}
