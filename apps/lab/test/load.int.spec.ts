import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { validateResult, type RunResult } from '../../../libs/scenarios/src';
import { INVARIANT_FAILED, loadCommand, THRESHOLDS_FAILED } from '../src/load/load.command';
import { stackUp } from '../src/stack/stack';
import type { StackState } from '../src/stack/stack-state';
import {
  buildApps,
  ensureInfra,
  infraOk,
  KAFKA_SH,
  privateStackDir,
  quiet,
  REDIS_SH,
  root,
  stackDown,
} from './live-harness';

/*
 * `upi-lab load` against a live stack (smoke topology; the default Kafka and Redis): the admin API
 * refuses fault injection without the token and nothing changes; a short load run with a slow bank,
 * a CBS outage and a PSP throttle in step passes its thresholds; an impossible threshold exits 99.
 */
jest.setTimeout(240_000);

const BASE_PORT = 27180;
let started = { kafka: false, redis: false };
let state: StackState | null = null;
const dir = mkdtempSync(join(tmpdir(), 'upi-load-'));
const url = (app: string) => state!.components.find((c) => c.app === app)!.url;

/** load-smoke.yaml shortened to `durationSec`, with the given faults and thresholds. */
function scenarioFile(name: string, durationSec: number, faults: object[], thresholds: object): string {
  const s = parse(readFileSync(join(root, 'scenarios/load-smoke.yaml'), 'utf8')) as Record<string, unknown>;
  const traffic = s.traffic as { tpsCurve: unknown };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      ...s,
      name,
      durationSec,
      faults,
      thresholds,
      traffic: { ...traffic, tpsCurve: [{ t: 0, tps: 3000 }] },
    }),
  );
  return file;
}

beforeAll(async () => {
  buildApps();
  started = ensureInfra();
  privateStackDir();
  // One switch node: this file tests the driver; the replicated switch has its own tests.
  state = await stackUp({
    scenario: join(root, 'scenarios/smoke.yaml'),
    basePort: BASE_PORT,
    switchReplicas: 1,
    log: quiet,
  });
});

afterAll(async () => {
  await stackDown(quiet); // also after a start that failed half-way (no state returned)
  if (started.kafka) infraOk(KAFKA_SH, 'stop');
  if (started.redis) infraOk(REDIS_SH, 'stop');
});

const payment = (key: string) =>
  fetch(`${url('psp')}/v1/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({
      payerVpa: 'u10000@ybl',
      payeeVpa: 'u10001@okicici',
      amountPaise: 100,
      category: 'P2P',
      initiation: 'CUSTOMER',
    }),
  });

describe('fault injection through the admin API', () => {
  it('without the admin token: 401, and nothing changes', async () => {
    const calls: [string, string, object | undefined][] = [
      ['PUT', `${url('bank')}/admin/banks/KOTAK/fault`, { kind: 'down' }],
      ['DELETE', `${url('bank')}/admin/banks/KOTAK/fault`, undefined],
      ['PUT', `${url('psp')}/admin/throttle`, { ratePerSec: 0 }],
      ['DELETE', `${url('psp')}/admin/throttle`, undefined],
      ['GET', `${url('switch')}/admin/raft`, undefined],
      ['POST', `${url('switch')}/admin/crash`, undefined],
    ];
    for (const auth of [undefined, 'Bearer not-the-token'])
      for (const [method, target, body] of calls) {
        const r = await fetch(target, {
          method,
          headers: {
            ...(auth ? { authorization: auth } : {}),
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        expect([method, target, r.status]).toEqual([method, target, 401]);
      }
    const bank = (await (await fetch(`${url('bank')}/banks/KOTAK`)).json()) as { fault: unknown };
    expect(bank.fault).toBeNull();
    const throttle = await fetch(`${url('psp')}/admin/throttle`, {
      headers: { authorization: `Bearer ${state!.adminToken}` },
    });
    expect(await throttle.json()).toEqual({ throttle: null, refused: 0 });
    // The switch did not crash: it still answers, and so do payments.
    expect((await fetch(`${url('switch')}/switch/stats`)).status).toBe(200);
    expect((await payment(`noauth-${Date.now()}`)).status).toBe(200);
  });

  it('with the token, a PSP throttle answers 429 until cleared', async () => {
    const auth = { authorization: `Bearer ${state!.adminToken}` };
    const set = await fetch(`${url('psp')}/admin/throttle`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ratePerSec: 0, status: 429 }),
    });
    expect(set.status).toBe(200);
    const refused = await payment(`thr-${Date.now()}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${url('psp')}/admin/throttle`, { method: 'DELETE', headers: auth })).status).toBe(
      204,
    );
    expect((await payment(`thr2-${Date.now()}`)).status).toBe(200);
  });
});

describe('upi-lab load', () => {
  it('drives the curve with faults in step, reports dropped arrivals and passes its thresholds', async () => {
    const file = scenarioFile(
      'load-int',
      10,
      [
        { atSec: 1, durationSec: 3, kind: 'bank-slow', bank: 'HDFC', extraLatencyMs: 250 },
        { atSec: 4, durationSec: 2, kind: 'bank-down', bank: 'KOTAK' },
        { atSec: 6, durationSec: 3, kind: 'psp-throttle', ratePerSec: 500, status: 503 },
      ],
      {
        overall: { successRate: '>=0.5', p99Ms: '<=5000', droppedArrivals: '==0' },
        classes: { P2P: { successRate: '>=0.5' } },
      },
    );
    const out = join(dir, 'load-int.json');
    const code = await loadCommand({
      scenario: file,
      out,
      statusPoll: '1,1,3',
      progress: false,
      quiet: true,
    });
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(validateResult(r).errors).toEqual([]);
    const x = r.extensions as {
      droppedArrivals: number;
      faultEvents: { kind: string; action: string; ok: boolean; atSec: number }[];
      psps: { throttled: number; offered: number }[];
      thresholds: { ok: boolean; metric: string }[];
      driverCpu: { cores: number };
      verdict: string;
    };
    expect(code).not.toBe(INVARIANT_FAILED);
    expect(r.invariants.every((i) => i.ok)).toBe(true);
    // Calls at the same second may complete in either order: compare by when each was due.
    const due = { 'bank-slow': [1, 4], 'bank-down': [4, 6], 'psp-throttle': [6, 9] } as Record<
      string,
      number[]
    >;
    expect(x.faultEvents).toHaveLength(6);
    for (const e of x.faultEvents) {
      expect(e.ok).toBe(true);
      const at = due[e.kind]![e.action === 'set' ? 0 : 1]!;
      expect(e.atSec).toBeGreaterThanOrEqual(at);
      expect(e.atSec).toBeLessThan(at + 1);
    }
    expect(x.faultEvents.map((e) => `${e.action} ${e.kind}`).sort()).toEqual([
      'clear bank-down',
      'clear bank-slow',
      'clear psp-throttle',
      'set bank-down',
      'set bank-slow',
      'set psp-throttle',
    ]);
    // 30/s against a throttle of 5/s for 3 s: most of those seconds' payments are refused.
    expect(x.psps[0]!.throttled).toBeGreaterThan(20);
    expect(x.droppedArrivals).toBe(0);
    expect(r.offered).toBeGreaterThan(200);
    expect(x.thresholds).toHaveLength(4);
    expect(x.thresholds.every((t) => t.ok)).toBe(true);
    expect(code).toBe(0);
    expect(x.verdict).toBe('pass');
    expect(x.driverCpu.cores).toBeGreaterThan(0);
  });

  it('a threshold that fails exits 99 and says which', async () => {
    const file = scenarioFile('load-int-fail', 3, [], { classes: { P2M: { p99Ms: '<=0.001' } } });
    const out = join(dir, 'load-int-fail.json');
    const code = await loadCommand({
      scenario: file,
      out,
      statusPoll: '1,1,3',
      progress: false,
      quiet: true,
    });
    expect(code).toBe(THRESHOLDS_FAILED);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect((r.extensions as { thresholds: unknown[] }).thresholds).toEqual([
      expect.objectContaining({ scope: 'P2M', metric: 'p99Ms', condition: '<=0.001', ok: false }),
    ]);
    expect((r.extensions as { verdict: string }).verdict).toBe('thresholds failed');
  });
});
