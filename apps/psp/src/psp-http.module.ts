import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { ApiErrorFilter } from './error.filter';
import { OpsController } from './ops.controller';
import { PaymentsController } from './payments.controller';
import { PaymentThrottle } from '../../../libs/psp/src';
import { ADMIN_TOKEN, LEDGER, METRICS_REGISTRY, PSP_CORE, THROTTLE, type PspHttpOptions } from './tokens';

/** The PSP's HTTP surface. Everything it serves comes from the objects it is given. */
@Module({})
export class PspHttpModule {
  static forRoot(opts: PspHttpOptions): DynamicModule {
    return {
      module: PspHttpModule,
      controllers: [PaymentsController, OpsController, AdminController],
      providers: [
        { provide: PSP_CORE, useValue: opts.core },
        { provide: LEDGER, useValue: opts.ledger },
        { provide: ADMIN_TOKEN, useValue: opts.adminToken },
        { provide: METRICS_REGISTRY, useValue: opts.registry },
        { provide: THROTTLE, useValue: opts.throttle ?? new PaymentThrottle() },
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        AdminGuard,
      ],
    };
  }
}
