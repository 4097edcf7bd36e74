import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ServiceHttpOptions {
  readonly module: DynamicModule;
  readonly registry: Registry;
  readonly port: number;
  readonly host: string;
  /** Extra plain Fastify routes (e.g. the switch's run export). */
  readonly routes?: (f: FastifyInstance) => void;
  /** Extra readiness detail for /healthz. */
  readonly health?: () => Record<string, unknown>;
}

/**
 * A service's Nest app (Fastify) with `/healthz` and `/metrics` beside its module's routes, listening
 * on host:port. Started only after the service itself is running, so a 200 from /healthz means ready.
 */
export async function serveService(o: ServiceHttpOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: 16 * 1024 });
  const f = adapter.getInstance() as unknown as FastifyInstance;
  f.get('/healthz', async () => ({ status: 'ok', pid: process.pid, ...(o.health?.() ?? {}) }));
  f.get('/metrics', async (_req, reply) => {
    const text = await o.registry.metrics();
    return reply.header('content-type', o.registry.contentType).send(text);
  });
  o.routes?.(f);
  const app = await NestFactory.create<NestFastifyApplication>(o.module, adapter, {
    logger: ['error', 'warn'],
  });
  await app.listen({ port: o.port, host: o.host });
  return app;
}

/**
 * Runs a live process: starts it, logs where it listens, stops it cleanly on SIGTERM/SIGINT, and
 * exits non-zero with a one-line reason if start fails (a config error is not a stack trace).
 */
export function runProcess(
  name: string,
  start: () => Promise<{ stop(): Promise<void>; where: string }>,
): void {
  start().then(
    (p) => {
      console.log(`${name}: ready on ${p.where} (pid ${process.pid})`);
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`${name}: ${sig}, stopping`);
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        p.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(`${name}: error while stopping`, err);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (err: unknown) => {
      const msg =
        err instanceof Error
          ? err.name === 'ConfigError' || err.name === 'ScenarioError'
            ? err.message
            : (err.stack ?? err.message)
          : String(err);
      console.error(`${name}: failed to start: ${msg}`);
      process.exit(1);
    },
  );
}
