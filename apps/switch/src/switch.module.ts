import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { SwitchService } from '../../../libs/switch/src';
import { ApiErrorFilter } from '../../psp/src/error.filter';
import { SwitchController } from './switch.controller';
import { SWITCH_SERVICE } from './tokens';

/**
 * The switch node's HTTP surface (status and stats), over a SwitchService started elsewhere (the
 * embedded system, or the live process). Errors leave in the PSP's shape, `{ error: { code, message, field } }`.
 */
@Module({})
export class SwitchHttpModule {
  static register(service: SwitchService): DynamicModule {
    return {
      module: SwitchHttpModule,
      controllers: [SwitchController],
      providers: [
        { provide: SWITCH_SERVICE, useValue: service },
        // Global filter, so a standalone switch app answers unknown routes in the same shape too;
        // registering it again beside the PSP module is harmless (the first match handles).
        { provide: APP_FILTER, useClass: ApiErrorFilter },
      ],
    };
  }
}
