import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ApiError } from '../../../libs/psp/src';
import { ApiHttpError } from './api-error';

/** Fastify's own errors (body parsing, limits) and what the API calls them. */
const FASTIFY_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'BODY_TOO_LARGE',
    message: 'the request body is too large',
  },
  // The brief asks for 400 (not 415) so every malformed request is answered the same way.
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 400,
    code: 'UNSUPPORTED_CONTENT_TYPE',
    message: 'the body must be sent as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    message: 'bad Content-Length',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_BODY', message: 'the JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', message: 'the body is not valid JSON' },
};

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_CONTENT_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

/** Every error leaves the service as `{ error: { code, message, field } }`; internals are never echoed. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('psp-http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, error } = this.describe(exception);
    if (status >= 500)
      this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send({ error });
  }

  describe(exception: unknown): { status: number; error: ApiError } {
    if (exception instanceof ApiHttpError) return { status: exception.getStatus(), error: exception.error };
    // Nest wraps Fastify's 4xx errors (body parsing, limits) in an HttpException whose cause is the original.
    const fastify = fastifyCode(exception instanceof HttpException ? exception.cause : exception);
    const known = fastify ? FASTIFY_ERRORS[fastify] : undefined;
    if (known)
      return { status: known.status, error: { code: known.code, message: known.message, field: null } };
    if (exception instanceof HttpException) {
      const status = exception.getStatus() === 415 ? 400 : exception.getStatus();
      const code = STATUS_CODES[exception.getStatus()] ?? `HTTP_${status}`;
      return { status, error: { code, message: exception.message, field: null } };
    }
    return { status: 500, error: { code: 'INTERNAL_ERROR', message: 'internal error', field: null } };
  }
}

function fastifyCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code.startsWith('FST_') ? code : undefined;
}
