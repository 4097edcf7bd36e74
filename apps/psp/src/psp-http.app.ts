import 'reflect-metadata';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PspHttpModule } from './psp-http.module';
import type { PspHttpOptions } from './tokens';

/** Largest accepted request body; a payment is a few hundred bytes. */
export const BODY_LIMIT_BYTES = 16 * 1024;
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

export interface CreatePspHttpAppOptions extends PspHttpOptions {
  /** Nest log levels; default errors and warnings only (the load path must not log per request). */
  readonly logLevels?: LogLevel[] | false;
}

/**
 * Builds and initialises the PSP's HTTP app (Fastify). Call `listen(port, host)` on the result;
 * the live stack binds it with admin on 127.0.0.1 only (the AdminGuard refuses other peers too).
 * OpenAPI: UI at /docs, JSON at /docs-json.
 */
export async function createPspHttpApp(opts: CreatePspHttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });
  // Only JSON bodies: without Fastify's text/plain parser anything else is refused as a bad content type.
  adapter.getInstance().removeContentTypeParser('text/plain');
  const app = await NestFactory.create<NestFastifyApplication>(PspHttpModule.forRoot(opts), adapter, {
    bodyParser: false,
    logger: opts.logLevels ?? ['error', 'warn'],
  });
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('UPI LoadLab PSP')
      .setDescription('Payer PSP: payments (the load target), status, ops and admin routes')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, doc, { jsonDocumentUrl: DOCS_JSON_PATH });
  await app.init();
  return app;
}
