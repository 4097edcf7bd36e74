import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { BankFault, BankService, BankStats } from '../../../libs/bank/src';
import { AdminGuard } from '../../psp/src/admin.guard';
import { ApiHttpError } from '../../psp/src/api-error';
import { parseFaultBody } from './fault-body';
import { BANK_SERVICE } from './tokens';

export type BankView = BankStats & { readonly fault: BankFault | null };

export interface BankFaultView {
  readonly bank: string;
  readonly fault: BankFault | null;
}

/** Looks a bank up among those this service hosts; 404 in the shared error shape otherwise. */
function hostedBank(service: BankService, id: string): string {
  if (!service.bankIds.includes(id)) {
    throw new ApiHttpError(404, 'BANK_NOT_FOUND', `no bank ${JSON.stringify(id)} is hosted here`, 'id');
  }
  return id;
}

function viewOf(service: BankService, id: string): BankView {
  return { ...service.stats(id), fault: service.fault(id) };
}

/** Counters, queue and current fault of each hosted bank. */
@ApiTags('banks')
@Controller('banks')
export class BanksController {
  constructor(@Inject(BANK_SERVICE) private readonly service: BankService) {}

  @Get()
  all(): { banks: BankView[] } {
    return { banks: this.service.bankIds.map((id) => viewOf(this.service, id)) };
  }

  @Get(':id')
  one(@Param('id') id: string): BankView {
    return viewOf(this.service, hostedBank(this.service, id));
  }
}

/** Fault injection (CBS down, unreachable, slow). Loopback + bearer token only, as the PSP's admin routes. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('admin/banks')
export class BankAdminController {
  constructor(@Inject(BANK_SERVICE) private readonly service: BankService) {}

  @Put(':id/fault')
  @HttpCode(200)
  setFault(@Param('id') id: string, @Body() body: unknown): BankFaultView {
    const bank = hostedBank(this.service, id);
    const fault = parseFaultBody(body);
    this.service.setFault(bank, fault);
    return { bank, fault: this.service.fault(bank) };
  }

  @Delete(':id/fault')
  @HttpCode(200)
  clearFault(@Param('id') id: string): BankFaultView {
    const bank = hostedBank(this.service, id);
    this.service.setFault(bank, null);
    return { bank, fault: this.service.fault(bank) };
  }
}
