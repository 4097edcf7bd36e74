import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CATEGORIES } from '../../../libs/domain/src';

/*
 * OpenAPI descriptions only. Validation is libs/psp's validatePayment, not these classes: the
 * shell holds no rules, and the error codes stay the same in every mode.
 */

export class PaymentRequestDto {
  @ApiProperty({ example: 'asha@ybl', description: 'payer VPA (local@handle); its handle picks the PSP' })
  payerVpa!: string;
  @ApiProperty({ example: 'ravi@okicici' })
  payeeVpa!: string;
  @ApiProperty({ example: 12345, description: 'integer paise, > 0 and within the per-transaction limit' })
  amountPaise!: number;
  @ApiProperty({ enum: CATEGORIES })
  category!: string;
  @ApiPropertyOptional({ enum: ['CUSTOMER', 'SYSTEM'], default: 'CUSTOMER' })
  initiation?: string;
  @ApiPropertyOptional({ maxLength: 100 })
  note?: string;
}

export class PaymentResultDto {
  @ApiProperty()
  txnId!: string;
  @ApiProperty({ enum: ['SUCCESS', 'DECLINED', 'DEEMED', 'PENDING'] })
  status!: string;
  @ApiPropertyOptional({ description: 'UPI response code (absent while PENDING)', example: '00' })
  code?: string;
  @ApiPropertyOptional({ enum: ['TD', 'BD'], nullable: true })
  decline?: string | null;
  @ApiPropertyOptional({ description: 'ms from acceptance to the outcome' })
  latencyMs?: number;
}

export class ApiErrorBodyDto {
  @ApiProperty()
  code!: string;
  @ApiProperty()
  message!: string;
  @ApiProperty({ type: String, nullable: true })
  field!: string | null;
}

export class ApiErrorDto {
  @ApiProperty({ type: ApiErrorBodyDto })
  error!: ApiErrorBodyDto;
}
