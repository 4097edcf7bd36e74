import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { SwitchService } from '../../../libs/switch/src';
import { AdminGuard } from '../../psp/src/admin.guard';
import { ApiErrorFilter } from '../../psp/src/error.filter';
import { ADMIN_TOKEN } from '../../psp/src/tokens';
import { RaftAdminController, type RaftViewProvider } from './raft-admin.controller';
import { RunClockController } from './run-clock.controller';
import { SwitchController } from './switch.controller';
import { RAFT_VIEW, SWITCH_SERVICE } from './tokens';

export interface SwitchHttpOptions {
  /** Bearer token for /admin/*; undefined disables those routes (every call is 401), as in the PSP. */
  readonly adminToken?: string | undefined;
  /** The replica's Raft state for `GET /admin/raft` (absent: a single node). */
  readonly raft?: RaftViewProvider;
}

/**
 * The switch node's HTTP surface (status and stats), over a SwitchService started elsewhere (the
 * embedded system, or the live process). Errors leave in the PSP's shape, `{ error: { code, message, field } }`.
 */
@Module({})
export class SwitchHttpModule {
  static register(service: SwitchService, opts: SwitchHttpOptions = {}): DynamicModule {
    return {
      module: SwitchHttpModule,
      controllers: [SwitchController, RaftAdminController, RunClockController],
      providers: [
        { provide: SWITCH_SERVICE, useValue: service },
        // Module-scoped, as in the bank module: the embedded server's PSP module has its own.
        { provide: ADMIN_TOKEN, useValue: opts.adminToken },
        { provide: RAFT_VIEW, useValue: opts.raft ?? null },
        AdminGuard,
        // Global filter, so a standalone switch app answers unknown routes in the same shape too;
        // registering it again beside the PSP module is harmless (the first match handles).
        { provide: APP_FILTER, useClass: ApiErrorFilter },
      ],
    };
  }
}
