/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break untyped YAML one field at a time */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadScenario, parseScenario, ScenarioError, type Scenario } from '.';

const dir = join(__dirname, '../../../scenarios');
const SHIPPED = ['smoke', 'normal-day', 'diwali', 'nye'];

/** The smoke scenario as a plain object, to break one field at a time. */
function base(): Record<string, any> {
  return parse(readFileSync(join(dir, 'smoke.yaml'), 'utf8'));
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScenarioError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('shipped scenarios', () => {
  it.each(SHIPPED)('%s.yaml is valid and its shares add up', (name) => {
    const s = loadScenario(join(dir, `${name}.yaml`));
    expect(s.version).toBe(1);
    expect(s.name).toBe(name);
    expect(s.source).toBe(join(dir, `${name}.yaml`));
    expect(s.topology.psps.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 2);
    // Bank faults name a bank of the topology; switch and PSP faults name none.
    const faultBanks = s.faults.filter((f) => f.kind.startsWith('bank-')).map((f) => f.bank);
    for (const b of faultBanks) expect(s.topology.banks.map((x) => x.id)).toContain(b);
  });

  it('nye follows the incident: 25,000 TPS peak scaled to ~300/s, PSP shares, Yes Bank slows at the surge', () => {
    const s = loadScenario(join(dir, 'nye.yaml'));
    const peak = Math.max(...s.traffic.tpsCurve.map((p) => p.tps));
    expect(peak).toBe(25000);
    expect(peak * s.scale).toBeCloseTo(300, 0);
    expect(Object.fromEntries(s.topology.psps.map((p) => [p.id, p.share]))).toEqual({
      PHONEPE: 0.47,
      GPAY: 0.34,
      PAYTM: 0.14,
      BHIM: 0.05,
    });
    const surgeAt = s.traffic.tpsCurve.find((p) => p.tps === peak)!.t;
    const slow = s.faults.find((f) => f.kind === 'bank-slow' && f.bank === 'YES')!;
    expect(slow.atSec).toBeLessThanOrEqual(surgeAt);
    expect(slow.atSec + slow.durationSec).toBeGreaterThan(surgeAt);
    // 00:02:30, the automatic failover to Delhi: 17.5 minutes after 23:45, one minute per second.
    expect(s.faults.find((f) => f.kind === 'switch-leader-kill')?.atSec).toBe(17.5);
  });

  it('fills defaults from the schema', () => {
    const raw = base();
    delete raw.topology.switch;
    delete raw.strategies;
    delete raw.faults;
    delete raw.scale;
    delete raw.traffic.retryShare;
    const s = parseScenario(JSON.stringify(raw), 'json');
    expect(s.scale).toBe(1);
    expect(s.faults).toEqual([]);
    expect(s.strategies).toEqual({
      scheduling: 'fifo',
      batch: { policy: 'adaptive', size: 50, lingerMs: 5, partialAfterMs: 10 },
      breaker: { policy: 'fixed' },
    });
    expect(s.topology.switch).toEqual({
      protocol: 'upi',
      debitTimeoutMs: 15000,
      creditTimeoutMs: 15000,
      retryIntervalMs: 1000,
      deemedRetryMs: 5000,
      pspWaitMs: 5000,
      txnLimitPaise: 1_00_00_000,
      settlementCycleSec: 10,
      stage: { servers: 120, fixedMs: 20, perTxnMs: 2, maxQueue: 10000 },
    });
    expect(s.traffic.startTimeOfDay).toBe('14:00');
    expect(s.traffic.retryShare).toBe(0);
    expect(s.traffic.retryDelayMs).toEqual({ min: 100, max: 400 });
    expect(s.topology.banks[0]!.technicalFailureRate).toBe(0.001);
  });

  it('applies overrides, and validates them like fields', () => {
    const s: Scenario = loadScenario(join(dir, 'smoke.yaml'), { seed: 99, scale: 0.5, durationSec: 3 });
    expect([s.seed, s.scale, s.durationSec]).toEqual([99, 0.5, 3]);
    expect(problemsOf(() => loadScenario(join(dir, 'smoke.yaml'), { scale: 0 }))).toEqual([
      'scale: must be > 0',
    ]);
  });

  it('reads JSON as well as YAML', () => {
    const s = parseScenario(JSON.stringify(base()), 'json', 'inline.json');
    expect(s.name).toBe('smoke');
    expect(s.source).toBe('inline.json');
  });
});

describe('bad scenarios', () => {
  const cases: [string, (o: Record<string, any>) => void, string][] = [
    [
      'zero capacity',
      (o) => (o.topology.banks[2].capacityTps = 0),
      'topology.banks[2].capacityTps: must be > 0',
    ],
    ['wrong version', (o) => (o.version = 2), 'version: must be 1'],
    ['missing name', (o) => delete o.name, 'name: is required'],
    ['missing traffic', (o) => delete o.traffic, 'traffic: is required'],
    [
      'unknown field',
      (o) => (o.topology.banks[0].colour = 'red'),
      'topology.banks[0].colour: is not a known field',
    ],
    [
      'unknown protocol',
      (o) => (o.topology.switch.protocol = 'paxos'),
      'topology.switch.protocol: must be one of "upi", "classic-2pc"',
    ],
    ['fractional seed', (o) => (o.seed = 1.5), 'seed: must be integer'],
    ['negative sigma', (o) => (o.traffic.amount.sigma = -1), 'traffic.amount.sigma: must be >= 0'],
    [
      'fractional paise',
      (o) => (o.topology.banks[1].openingBalancePaise.min = 10.5),
      'topology.banks[1].openingBalancePaise.min: must be integer',
    ],
    [
      'bad handle',
      (o) => (o.topology.psps[0].handles = ['Y B L']),
      'topology.psps[0].handles[0]: must match pattern "^[a-z][a-z0-9]{1,31}$"',
    ],
    ['retry share too high', (o) => (o.traffic.retryShare = 0.95), 'traffic.retryShare: must be <= 0.9'],
    [
      'unknown category',
      (o) => (o.traffic.categoryMix.LOTTERY = 0.1),
      'traffic.categoryMix.LOTTERY: is not a known field',
    ],
    [
      'unknown fault kind',
      (o) => (o.faults[0].kind = 'bank-on-fire'),
      'faults[0].kind: must be one of "bank-down", "bank-unreachable", "bank-slow", "psp-throttle", "switch-leader-kill"',
    ],
    [
      'slow fault without latency',
      (o) => (o.faults[0] = { atSec: 1, durationSec: 1, kind: 'bank-slow', bank: 'SBI' }),
      'faults[0].extraLatencyMs: is required',
    ],
    [
      'unknown scheduling strategy',
      (o) => (o.strategies = { scheduling: 'edf' }),
      'strategies.scheduling: must be one of "fifo", "strict-priority", "weighted-fair", "earliest-deadline-first"',
    ],
    ['batch of zero', (o) => (o.strategies = { batch: { size: 0 } }), 'strategies.batch.size: must be >= 1'],
    // Rules the schema cannot say.
    [
      'PSP shares',
      (o) => (o.topology.psps[0].share = 0.4),
      'topology.psps: shares must sum to 1 (they sum to 0.9)',
    ],
    [
      'category shares',
      (o) => (o.traffic.categoryMix.P2M = 0.57),
      'traffic.categoryMix: shares must sum to 1 (they sum to 1.2)',
    ],
    [
      'curve going back in time',
      (o) =>
        (o.traffic.tpsCurve = [
          { t: 0, tps: 1 },
          { t: 5, tps: 2 },
          { t: 5, tps: 3 },
        ]),
      "traffic.tpsCurve[2].t: must be greater than the previous point's t (5)",
    ],
    [
      'fault on a missing bank',
      (o) => (o.faults[0].bank = 'NOPE'),
      "faults[0].bank: no bank 'NOPE' in topology.banks",
    ],
    ['duplicate bank', (o) => (o.topology.banks[3].id = 'SBI'), "topology.banks[3].id: duplicate id 'SBI'"],
    ['duplicate PSP', (o) => (o.topology.psps[2].id = 'GPAY'), "topology.psps[2].id: duplicate id 'GPAY'"],
    [
      'handle owned twice',
      (o) => (o.topology.psps[1].handles = ['ybl']),
      "topology.psps[1].handles[0]: handle 'ybl' already belongs to PSP 'PHONEPE'",
    ],
    [
      'p99 below p50',
      (o) => (o.topology.banks[0].latencyMs = { p50: 50, p99: 10 }),
      'topology.banks[0].latencyMs.p99: must be >= p50 (50)',
    ],
    [
      'balance range inverted',
      (o) => (o.topology.banks[0].openingBalancePaise = { min: 500, max: 100 }),
      'topology.banks[0].openingBalancePaise.max: must be >= min (500)',
    ],
    [
      'retry delays inverted',
      (o) => (o.traffic.retryDelayMs = { min: 500, max: 100 }),
      'traffic.retryDelayMs.max: must be >= min (500)',
    ],
    [
      'median above the limit',
      (o) => (o.traffic.amount.byCategory.SALARY.medianPaise = 2_00_00_000),
      "traffic.amount.byCategory.SALARY.medianPaise: must be <= the switch's txnLimitPaise (10000000)",
    ],
    [
      'latency on a non-slow fault',
      (o) => (o.faults[0].extraLatencyMs = 10),
      "faults[0].extraLatencyMs: only a 'bank-slow' fault takes extraLatencyMs",
    ],
  ];

  it.each(cases)('%s', (_label, breakIt, expected) => {
    const o = base();
    breakIt(o);
    expect(problemsOf(() => parseScenario(JSON.stringify(o), 'json'))).toContain(expected);
  });

  it('lists every problem, not just the first', () => {
    const o = base();
    o.topology.banks[2].capacityTps = -5;
    o.traffic.amount.sigma = 'wide';
    delete o.seed;
    const problems = problemsOf(() => parseScenario(JSON.stringify(o), 'json', 'x.json'));
    expect(problems).toEqual(
      expect.arrayContaining([
        'topology.banks[2].capacityTps: must be > 0',
        'traffic.amount.sigma: must be number',
        'seed: is required',
      ]),
    );
  });

  it('names the source and each problem in the message', () => {
    const o = base();
    o.topology.banks[2].capacityTps = 0;
    expect(() => parseScenario(JSON.stringify(o), 'json', 'my.json')).toThrow(
      /my\.json: invalid scenario\n {2}- topology\.banks\[2\]\.capacityTps: must be > 0/,
    );
  });

  it('reports unparseable text and missing files as ScenarioError', () => {
    expect(problemsOf(() => parseScenario('version: [1', 'yaml'))[0]).toMatch(/^\(file\): not valid YAML/);
    expect(problemsOf(() => parseScenario('{"version":', 'json'))[0]).toMatch(/^\(file\): not valid JSON/);
    expect(problemsOf(() => parseScenario('- 1\n- 2\n', 'yaml'))).toEqual(['(root): must be object']);
    expect(problemsOf(() => loadScenario(join(dir, 'no-such.yaml')))[0]).toMatch(/^\(file\): cannot read/);
  });
});
