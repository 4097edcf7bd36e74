/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break a result one field at a time */
import { CATEGORIES, CLASS_INFO } from '../../domain/src';
import { validateResult, isRunResult, type RunResult } from '.';

function sample(): RunResult {
  const stats = { p50: 40, p95: 120, p99: 300, max: 900, mean: 55.5, count: 10 };
  return {
    schemaVersion: 1,
    scenario: { name: 'smoke', file: 'scenarios/smoke.yaml', scale: 0.01 },
    mode: 'embedded',
    strategies: { scheduling: 'fifo', batch: { policy: 'fixed', size: 1 } },
    seed: 7,
    startedAt: '2026-11-27T02:38:12.345Z',
    durationSec: 15,
    offered: 12,
    completed: 11,
    outcomes: {
      byStatus: { SUCCESS: 8, DECLINED: 2, DEEMED: 0, PENDING: 1 },
      byCode: { '00': { count: 8, kind: null }, Z9: { count: 1, kind: 'BD' }, XY: { count: 1, kind: 'TD' } },
      technicalDeclines: 1,
      businessDeclines: 1,
    },
    latencyMs: {
      overall: stats,
      byClass: Object.fromEntries(
        CATEGORIES.map((c) => [
          c,
          {
            ...stats,
            deadlineMs: CLASS_INFO[c].deadlineMs,
            withinDeadlineShare: c === 'MEDICAL' ? null : 0.8,
          },
        ]),
      ) as RunResult['latencyMs']['byClass'],
    },
    throughputTps: 0.73,
    timeline: [
      { t: 0, offered: 6, completed: 5, success: 4, declined: 1, p99Ms: 250 },
      { t: 1, offered: 6, completed: 6, success: 4, declined: 1, p99Ms: null },
    ],
    money: { openingPaise: 1_000_000, closingPaise: 1_000_000, heldPaise: 0, conserved: true },
    settlement: {
      cycles: [{ cycle: 1, closedAtSec: 5, entries: 8, netPositions: { SBI: -500, HDFC: 500 }, sum: 0 }],
      netPositions: { SBI: -500, HDFC: 500 },
      sum: 0,
    },
    invariants: [
      { name: 'money conserved', ok: true },
      { name: 'no negative balance', ok: true, detail: '0 accounts' },
    ],
  };
}

describe('validateResult', () => {
  it('accepts a complete result', () => {
    expect(validateResult(sample())).toEqual({ ok: true, errors: [] });
    expect(isRunResult(sample())).toBe(true);
    expect(validateResult({ ...sample(), extensions: { replicas: 3 } }).ok).toBe(true);
  });

  const cases: [string, (r: Record<string, any>) => void, string][] = [
    ['unknown mode', (r) => (r.mode = 'dream'), 'mode: must be one of "embedded", "live", "simulated", "k6"'],
    ['missing invariants', (r) => delete r.invariants, 'invariants: is required'],
    ['missing status', (r) => delete r.outcomes.byStatus.DEEMED, 'outcomes.byStatus.DEEMED: is required'],
    ['fractional paise', (r) => (r.money.closingPaise = 10.5), 'money.closingPaise: must be integer'],
    ['negative count', (r) => (r.offered = -1), 'offered: must be >= 0'],
    [
      'bad decline kind',
      (r) => (r.outcomes.byCode.Z9.kind = 'XX'),
      'outcomes.byCode.Z9.kind: must be one of "TD", "BD", null',
    ],
    ['missing class', (r) => delete r.latencyMs.byClass.P2M, 'latencyMs.byClass.P2M: is required'],
    [
      'share above 1',
      (r) => (r.latencyMs.byClass.BILL.withinDeadlineShare = 1.5),
      'latencyMs.byClass.BILL.withinDeadlineShare: must be <= 1',
    ],
    ['not an ISO time', (r) => (r.startedAt = 'yesterday'), 'startedAt: must match pattern'],
    ['stray field', (r) => (r.colour = 'blue'), 'colour: is not a known field'],
    ['timeline second fractional', (r) => (r.timeline[1].t = 1.5), 'timeline[1].t: must be integer'],
    ['wrong schemaVersion', (r) => (r.schemaVersion = 2), 'schemaVersion: must be 1'],
  ];

  it.each(cases)('rejects %s', (_label, breakIt, expected) => {
    const r = sample() as unknown as Record<string, any>;
    breakIt(r);
    const v = validateResult(r);
    expect(v.ok).toBe(false);
    expect(v.errors.some((e) => e.startsWith(expected))).toBe(true);
    expect(isRunResult(r)).toBe(false);
  });
});
