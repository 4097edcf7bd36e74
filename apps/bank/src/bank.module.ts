import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { BankService } from '../../../libs/bank/src';
import { AdminGuard } from '../../psp/src/admin.guard';
import { ApiErrorFilter } from '../../psp/src/error.filter';
import { ADMIN_TOKEN } from '../../psp/src/tokens';
import { BankAdminController, BanksController } from './bank.controller';
import { BANK_SERVICE } from './tokens';

export interface BankHttpOptions {
  /** Bearer token for /admin/banks/*; undefined disables those routes (every call is 401), as in the PSP. */
  readonly adminToken?: string | undefined;
}

/**
 * The banks' HTTP surface (stats, and the fault knobs under /admin) over a BankService started
 * elsewhere. Reuses the PSP's AdminGuard and error filter, so behaviour and error shape match.
 */
@Module({})
export class BankHttpModule {
  static register(service: BankService, opts: BankHttpOptions = {}): DynamicModule {
    return {
      module: BankHttpModule,
      controllers: [BanksController, BankAdminController],
      providers: [
        { provide: BANK_SERVICE, useValue: service },
        // Module-scoped: the PSP module has its own ADMIN_TOKEN provider; both may hold the same value.
        { provide: ADMIN_TOKEN, useValue: opts.adminToken },
        AdminGuard,
        // Global filter, so a standalone bank app answers unknown routes in the same shape too;
        // registering it again beside the PSP module is harmless (the first match handles).
        { provide: APP_FILTER, useClass: ApiErrorFilter },
      ],
    };
  }
}
