import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { request } from 'undici';
import { WallTimers } from '../../../libs/domain/src';
import { EmbeddedSystem } from '../../../libs/runtime/src';
import { buildTopology, loadScenario, type Scenario, type Topology } from '../../../libs/scenarios/src';

/**
 * Shared by the switch, bank and clearing shell tests: a real EmbeddedSystem on the smoke
 * scenario (wall clock), and a real Fastify-backed Nest app on 127.0.0.1 mounting the module under test.
 */
export interface Lab {
  readonly system: EmbeddedSystem;
  readonly topology: Topology;
  readonly base: string;
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, opts?: CallOptions): Promise<Res>;
  /**
   * One payment through the PSP core, from an unused account of `payerBank` to an unused account
   * of `payee` (a bank id), or to `payee` itself when it is a VPA.
   */
  pay(payerBank: string, payee: string, amountPaise: number): Promise<PaidResult>;
  stop(): Promise<void>;
}

export interface CallOptions {
  readonly body?: unknown;
  /** Raw body text, sent as is (for malformed JSON). */
  readonly rawBody?: string;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Res {
  readonly status: number;
  readonly text: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface PaidResult {
  readonly txnId: string;
  readonly status: string;
  readonly code: string | null;
  readonly payer: string;
  readonly payee: string;
}

export const ADMIN_TOKEN_FOR_TESTS = 'shell-test-admin-token-0123456789';

export interface LabOptions {
  /** Settlement cycle length; the smoke scenario's 5 s is long for a test. */
  readonly settlementCycleSec?: number;
}

export async function startLab(
  moduleFor: (system: EmbeddedSystem) => DynamicModule,
  opts: LabOptions = {},
): Promise<Lab> {
  const loaded = loadScenario('scenarios/smoke.yaml');
  // No random technical failures: each test's outcome must follow from what it sets up.
  const scenario: Scenario = {
    ...loaded,
    topology: {
      ...loaded.topology,
      banks: loaded.topology.banks.map((b) => ({ ...b, technicalFailureRate: 0 })),
      switch: {
        ...loaded.topology.switch,
        settlementCycleSec: opts.settlementCycleSec ?? loaded.topology.switch.settlementCycleSec,
      },
    },
  };
  const topology = buildTopology(scenario);
  const timers = new WallTimers();
  const system = await EmbeddedSystem.start({ scenario, topology, timers });
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(moduleFor(system), new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    await system.stop();
    timers.clearAll();
    throw err;
  }
  const addr = app.getHttpServer().address();
  if (!addr || typeof addr === 'string') throw new Error('the app has no TCP address');
  const base = `http://127.0.0.1:${addr.port}`;

  const used = new Set<string>();
  const accountAt = (bank: string) => {
    const a = topology.accounts.find((x) => x.bank === bank && !used.has(x.vpa));
    if (!a) throw new Error(`no unused account at ${bank}`);
    used.add(a.vpa);
    return a.vpa;
  };
  let keys = 0;
  let stopped = false;

  return {
    system,
    topology,
    base,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined;
      if (o.rawBody !== undefined || o.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = o.rawBody ?? JSON.stringify(o.body);
      }
      const r = await request(`${base}${path}`, { method, headers, body });
      const text = await r.body.text();
      return { status: r.statusCode, text, json: () => JSON.parse(text) };
    },
    async pay(payerBank, payeeBankOrVpa, amountPaise) {
      const payer = accountAt(payerBank);
      const payee = payeeBankOrVpa.includes('@') ? payeeBankOrVpa : accountAt(payeeBankOrVpa);
      const r = await system.psp.pay(`shell-test-${++keys}`, {
        payerVpa: payer,
        payeeVpa: payee,
        amountPaise,
        category: 'P2P',
      });
      const b = r.body as { txnId?: string; status?: string; code?: string | null };
      if (r.httpStatus !== 200 || typeof b.txnId !== 'string') {
        throw new Error(`payment not answered: ${r.httpStatus} ${JSON.stringify(r.body)}`);
      }
      return { txnId: b.txnId, status: String(b.status), code: b.code ?? null, payer, payee };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await system.stop();
      timers.clearAll();
    },
  };
}

/** Polls `check` until it returns true (state that settles a few event-loop turns after an answer). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function expectApiError(r: Res, status: number, code: string, field: string | null): void {
  expect({ status: r.status, body: r.json() }).toEqual({
    status,
    body: { error: { code, message: expect.any(String), field } },
  });
}
