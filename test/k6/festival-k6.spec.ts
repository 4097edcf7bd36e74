import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildSync, transformSync } from 'esbuild';
import { request } from 'undici';
// The harness drives the real PSP HTTP app (test code, not a lib).
// eslint-disable-next-line no-restricted-imports
import { createPspHttpApp } from '../../apps/psp/src';
// eslint-disable-next-line no-restricted-imports
import { SwitchHttpModule } from '../../apps/switch/src';
import { CATEGORIES } from '../../libs/domain/src';
import { createMetrics } from '../../libs/metrics/src';
import { EmbeddedSystem, wallClock } from '../../libs/runtime/src';
import { buildTopology, loadScenario, validateResult } from '../../libs/scenarios/src';
import { k6Plan, type K6Plan } from '../../libs/scenarios/src/k6-plan';
import type { HttpAnswer, HttpCall } from './harness/k6-runtime';
import type { HarnessInput, HarnessOutput } from './harness/worker';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildK6 } = require('../../loadtests/k6/build.js') as { buildK6: (outdir: string) => void };

const TOKEN = 'k6-harness-admin-token';
const ITERATIONS = 60;

/**
 * The bundled k6 script (loadtests/k6/dist/festival.js, as `npm run k6:build` makes it) under a
 * small harness of the k6 modules it imports, against the embedded system behind the real PSP
 * HTTP API: requests well formed, checks pass, handleSummary writes a valid result.
 */
describe('k6 festival script under the harness', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let switchApp: NestFastifyApplication;
  let switchUrl: string;
  let system: EmbeddedSystem;
  let timers: ReturnType<typeof wallClock>['timers'];
  let plan: K6Plan;
  let out: HarnessOutput;
  /** A stand-in bank process: the admin calls the faults scenario makes to it. */
  let bankServer: Server;
  let bankUrl: string;
  const bankCalls: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k6-harness-'));
    buildK6(join(dir, 'dist'));
    const code = transformSync(readFileSync(join(dir, 'dist', 'festival.js'), 'utf8'), {
      format: 'cjs',
      target: 'es2020',
    }).code;
    buildSync({
      entryPoints: [join(__dirname, 'harness', 'worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: join(dir, 'worker.js'),
      logLevel: 'warning',
    });

    const scenario = loadScenario('scenarios/load-smoke.yaml');
    // Short poll waits and many retries, so every path of the script runs in 60 iterations.
    // …and a time of day other than the one the switch started with, so setup must announce it.
    const exported = k6Plan(scenario, { firstAfterMs: 45_000, everyMs: 90_000, maxPolls: 3 });
    plan = {
      ...exported,
      retryShare: 0.3,
      startTimeOfDay: '08:00',
      // …and a leader kill, against a switch that runs no Raft (nobody leads: the call fails).
      faults: [
        ...exported.faults,
        { atSec: 50, kind: 'switch-leader-kill', action: 'set', target: 'switch-leader', body: null },
      ],
    };
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));

    timers = wallClock().timers;
    system = await EmbeddedSystem.start({ scenario, topology: buildTopology(scenario), timers });
    app = await createPspHttpApp({
      core: system.psp,
      ledger: system.ledger,
      adminToken: TOKEN,
      registry: createMetrics({ defaultLabels: { service: 'k6-harness' } }).registry,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.getHttpServer().address() as { port: number };
    const target = `http://127.0.0.1:${addr.port}`;
    switchApp = await NestFactory.create<NestFastifyApplication>(
      SwitchHttpModule.register(system.switchNode, { adminToken: TOKEN }),
      new FastifyAdapter(),
      { logger: false },
    );
    await switchApp.listen(0, '127.0.0.1');
    switchUrl = `http://127.0.0.1:${(switchApp.getHttpServer().address() as { port: number }).port}`;

    bankServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bankCalls.push(`${req.method} ${req.url} ${body}`.trim());
        res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, {
          'content-type': 'application/json',
        });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => bankServer.listen(0, '127.0.0.1', r));
    bankUrl = `http://127.0.0.1:${(bankServer.address() as { port: number }).port}`;

    const sab = new SharedArrayBuffer(8 + (1 << 20));
    const flag = new Int32Array(sab, 0, 2);
    const bytes = new Uint8Array(sab, 8);
    const input: HarnessInput = {
      code,
      env: {
        PLAN: 'plan.json',
        TARGET: target,
        UPI_ADMIN_TOKEN: TOKEN,
        RESULT: 'out/result.json',
        SWITCHES: `${switchUrl}/`,
        BANKS: `HDFC=${bankUrl},KOTAK=${bankUrl}/`,
      },
      baseDir: dir,
      iterations: ITERATIONS,
      sleepScale: 0.01,
      sab,
    };
    const worker = new Worker(join(dir, 'worker.js'), { workerData: input });
    out = await new Promise<HarnessOutput>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (msg: { kind: 'http'; call: HttpCall } | { kind: 'done'; out: HarnessOutput }) => {
        if (msg.kind === 'done') return resolve(msg.out);
        const t0 = performance.now();
        const answer = (a: HttpAnswer) => {
          const enc = new TextEncoder().encode(JSON.stringify(a));
          bytes.set(enc);
          Atomics.store(flag, 1, enc.length);
          Atomics.store(flag, 0, 1);
          Atomics.notify(flag, 0);
        };
        request(msg.call.url, {
          method: msg.call.method as 'GET' | 'POST' | 'PUT',
          headers: msg.call.headers,
          ...(msg.call.body !== null ? { body: msg.call.body } : {}),
        }).then(
          async (r) =>
            answer({
              status: r.statusCode,
              headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])),
              body: await r.body.text(),
              durationMs: performance.now() - t0,
            }),
          (err: unknown) => answer({ status: 0, headers: {}, body: String(err), durationMs: 0 }),
        );
      });
    });
    await worker.terminate();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await switchApp?.close();
    await new Promise((r) => bankServer?.close(r));
    await system?.stop();
    timers?.clearAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares ramping-arrival-rate sized from the peak rate, and the scenario thresholds as k6 thresholds', () => {
    const o = out.options as {
      scenarios: Record<string, { executor: string; preAllocatedVUs: number; stages: { target: number }[] }>;
      thresholds: Record<string, string[]>;
    };
    const s = o.scenarios.festival!;
    expect(s.executor).toBe('ramping-arrival-rate');
    expect(Math.max(...s.stages.map((x) => x.target))).toBe(plan.arrival.peakRate);
    // Each VU is busy up to the PSP's answer wait: the peak rate needs peak × wait VUs.
    expect(s.preAllocatedVUs).toBeGreaterThanOrEqual(plan.arrival.peakRate * (plan.pspWaitMs / 1000));
    expect(o.thresholds).toEqual({
      payment_ok: ['rate>=0.95'],
      payment_ms: ['p(99)<=2000'],
      dropped_iterations: ['count==0'],
      payment_ok_MEDICAL: ['rate>=0.9'],
      payment_ms_MEDICAL: ['p(99)<=1500'],
      payment_ms_P2M: ['p(99)<=2000'],
    });
  });

  it('sends well-formed payments from the scenario accounts, tagged by PSP and class', () => {
    const posts = out.calls.filter((c) => c.method === 'POST');
    const fresh = posts.filter((c) => c.tags.retry !== 'true');
    expect(fresh).toHaveLength(ITERATIONS);
    const vpasOf = new Map(plan.psps.map((p) => [p.id, new Set(p.vpas)]));
    for (const c of posts) {
      expect(new URL(c.url).pathname).toBe('/v1/payments');
      expect(c.headers['content-type']).toBe('application/json');
      expect(c.headers['idempotency-key']).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      const b = JSON.parse(c.body!) as Record<string, unknown>;
      expect(Object.keys(b).sort()).toEqual([
        'amountPaise',
        'category',
        'initiation',
        'payeeVpa',
        'payerVpa',
      ]);
      expect(vpasOf.get(c.tags.psp!)!.has(b.payerVpa as string)).toBe(true);
      expect(b.category).toBe(c.tags.class);
      expect(CATEGORIES).toContain(b.category);
      expect(Number.isInteger(b.amountPaise)).toBe(true);
      expect(b.amountPaise as number).toBeGreaterThanOrEqual(100);
      expect(b.amountPaise as number).toBeLessThanOrEqual(plan.txnLimitPaise);
      expect(['CUSTOMER', 'SYSTEM']).toContain(b.initiation);
    }
    expect(new Set(fresh.map((c) => c.headers['idempotency-key'])).size).toBe(ITERATIONS);
    // A client retry repeats an earlier payment: same key, same body.
    const retries = posts.filter((c) => c.tags.retry === 'true');
    expect(retries.length).toBeGreaterThan(0);
    for (const r of retries) {
      const orig = fresh.find((c) => c.headers['idempotency-key'] === r.headers['idempotency-key']);
      expect(orig?.body).toBe(r.body);
    }
  });

  it('tells the switch in SWITCHES when the run started and at which time of day, before any payment', () => {
    const puts = out.calls.filter((c) => c.method === 'PUT' && c.url.startsWith(switchUrl));
    expect(puts.map((c) => c.url)).toEqual([`${switchUrl}/admin/run-clock`]);
    expect(out.calls.indexOf(puts[0]!)).toBeLessThan(out.calls.findIndex((c) => c.method === 'POST'));
    expect(JSON.parse(puts[0]!.body!)).toEqual({ startedAt: expect.any(Number), startTimeOfDay: '08:00' });
    expect(system.switchNode.timeOfDay().startTimeOfDay).toBe('08:00');
    expect(out.checks.filter((c) => c.name === 'the switch took the run clock')).toEqual([
      expect.objectContaining({ ok: true }),
    ]);
  });

  it("injects the scenario's faults in time order, and clears what is left in teardown", () => {
    const o = out.options as { scenarios: Record<string, { executor: string; exec?: string; vus?: number }> };
    expect(o.scenarios.faults).toMatchObject({ executor: 'per-vu-iterations', exec: 'faults', vus: 1 });
    // load-smoke.yaml: HDFC slow 15–25 s, KOTAK down 30–33 s, Paytm's payers throttled 40–45 s.
    expect(bankCalls).toEqual([
      'PUT /admin/banks/HDFC/fault {"kind":"slow","extraLatencyMs":250}',
      'DELETE /admin/banks/HDFC/fault',
      'PUT /admin/banks/KOTAK/fault {"kind":"down"}',
      'DELETE /admin/banks/KOTAK/fault',
      // teardown: nothing left set
      'DELETE /admin/banks/HDFC/fault',
      'DELETE /admin/banks/KOTAK/fault',
    ]);
    const throttle = out.calls.filter((c) => c.url.endsWith('/admin/throttle'));
    expect(throttle.map((c) => `${c.method} ${c.body ?? ''}`.trim())).toEqual([
      'PUT {"ratePerSec":2,"status":429,"handles":["paytm"]}',
      'DELETE',
      'DELETE',
    ]);
    for (const c of throttle) expect(c.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // The PSP in TARGET took the throttle and gave it back before the payments.
    const result = JSON.parse(readFileSync(join(dir, 'out', 'result.json'), 'utf8')) as {
      extensions: { faultCalls: { ok: number; failed: number } };
    };
    expect(result.extensions.faultCalls).toEqual({ ok: 6, failed: 1 });
    // The kill asked who leads and, with no leader, crashed nothing.
    expect(
      out.calls
        .filter((c) => c.url.startsWith(switchUrl))
        .map((c) => `${c.method} ${new URL(c.url).pathname}`),
    ).toEqual(['PUT /admin/run-clock', 'GET /admin/raft']);
  });

  it('passes every check', () => {
    expect(out.checks.length).toBeGreaterThanOrEqual(2 * ITERATIONS);
    expect(out.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('writes a result valid against docs/result.schema.json from handleSummary', () => {
    const result = JSON.parse(readFileSync(join(dir, 'out', 'result.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const v = validateResult(result);
    expect(v.errors).toEqual([]);
    expect(v.ok).toBe(true);
    const r = result as {
      mode: string;
      offered: number;
      completed: number;
      outcomes: { byStatus: Record<string, number> };
      money: { conserved: boolean };
      invariants: { ok: boolean }[];
      extensions: { thresholds: { ok: boolean }[] };
    };
    expect(r.mode).toBe('k6');
    expect(r.offered).toBe(ITERATIONS);
    expect(r.completed + r.outcomes.byStatus.PENDING!).toBeLessThanOrEqual(ITERATIONS);
    expect(r.completed).toBeGreaterThan(ITERATIONS * 0.9);
    expect(r.money.conserved).toBe(true);
    expect(r.invariants.every((i) => i.ok)).toBe(true);
    expect(r.extensions.thresholds.length).toBe(6);
    expect(out.files.stdout).toMatch(/verdict (PASS|FAIL)/);
  });
});
