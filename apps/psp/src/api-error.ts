import { HttpException } from '@nestjs/common';
import type { ApiError } from '../../../libs/psp/src';

/** An HTTP error already in the API's shape: `{ error: { code, message, field } }`. */
export class ApiHttpError extends HttpException {
  constructor(status: number, code: string, message: string, field: string | null = null) {
    const error: ApiError = { code, message, field };
    super({ error }, status);
  }

  get error(): ApiError {
    return (this.getResponse() as { error: ApiError }).error;
  }
}
