import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ClearingService } from '../../../libs/clearing/src';
import { ApiErrorFilter } from '../../psp/src/error.filter';
import { ClearingController } from './clearing.controller';
import { CLEARING_SERVICE } from './tokens';

/** Clearing's HTTP surface (cycles and net positions) over a ClearingService started elsewhere. */
@Module({})
export class ClearingHttpModule {
  static register(service: ClearingService): DynamicModule {
    return {
      module: ClearingHttpModule,
      controllers: [ClearingController],
      providers: [
        { provide: CLEARING_SERVICE, useValue: service },
        // Global filter, so a standalone clearing app answers unknown routes in the same shape too;
        // registering it again beside the PSP module is harmless (the first match handles).
        { provide: APP_FILTER, useClass: ApiErrorFilter },
      ],
    };
  }
}
