import type { RunResult } from '../../scenarios/src';
import { checkSlo, parseSlo, SloError } from '../src';

describe('parseSlo', () => {
  it('reads metrics, operators and numbers', () => {
    const s = parseSlo(' success>=99.5, p99<=2000 ,throughput>100', 5);
    expect(s.terms.map((t) => [t.metric, t.condition.op, t.condition.value])).toEqual([
      ['success', '>=', 99.5],
      ['p99', '<=', 2000],
      ['throughput', '>', 100],
    ]);
    expect(s.windowSec).toBe(5);
  });

  it.each([
    ['', /empty/],
    ['success>=99.5,', /expected <metric><op><number>/],
    ['latency<=2000', /unknown metric 'latency'/],
    ['p99=<2000', /not a comparison/],
    ['p99<=abc', /not a comparison/],
    ['success>=150', /percentage from 0 to 100/],
    ['p99<=2000,p99<=3000', /given twice/],
  ])('rejects %j with a clear error', (text, message) => {
    expect(() => parseSlo(text)).toThrow(SloError);
    expect(() => parseSlo(text)).toThrow(message);
  });

  it('reports every problem at once', () => {
    expect(() => parseSlo('foo>1,p99<x')).toThrow(/foo[\s\S]*p99<x/);
  });

  it('rejects a negative window', () => {
    expect(() => parseSlo('p99<=1', -1)).toThrow(/window/);
  });
});

describe('checkSlo', () => {
  const result = (timeline: { completed: number; declined: number; p99Ms: number }[], td: number[]) =>
    ({
      durationSec: timeline.length,
      completed: timeline.reduce((a, p) => a + p.completed, 0),
      throughputTps: 10,
      outcomes: { byStatus: { SUCCESS: 0, DEEMED: 0 }, technicalDeclines: td.reduce((a, x) => a + x, 0) },
      latencyMs: { overall: { p50: 10, p95: 20, p99: 30, max: 40, count: 1 } },
      timeline: timeline.map((p, t) => ({
        t,
        offered: p.completed,
        success: p.completed - p.declined,
        ...p,
      })),
      extensions: { sim: { technicalPerSec: td } },
    }) as unknown as RunResult;

  it('holds over the whole run but fails in one window', () => {
    const r = result(
      [
        { completed: 100, declined: 0, p99Ms: 100 },
        { completed: 100, declined: 0, p99Ms: 100 },
        { completed: 100, declined: 5, p99Ms: 100 },
        { completed: 100, declined: 0, p99Ms: 100 },
      ],
      [0, 0, 5, 0],
    );
    expect(checkSlo(parseSlo('success>=98'), r).meets).toBe(true);
    const v = checkSlo(parseSlo('success>=98', 2), r);
    expect(v.meets).toBe(false);
    expect(v.failures).toEqual(['success 97.5 fails success>=98 (window 2-4 s)']);
    expect(v.worstWindow?.fromSec).toBe(2);
  });

  it('counts business declines as the system working', () => {
    const r = result([{ completed: 100, declined: 10, p99Ms: 100 }], [0]);
    expect(checkSlo(parseSlo('success>=99.5', 1), r).meets).toBe(true);
  });

  it('checks a window p99 against the largest per-second p99', () => {
    const r = result(
      [
        { completed: 10, declined: 0, p99Ms: 100 },
        { completed: 10, declined: 0, p99Ms: 2500 },
      ],
      [0, 0],
    );
    expect(checkSlo(parseSlo('p99<=2000', 2), r).failures).toEqual([
      'p99 2500 fails p99<=2000 (window 0-2 s)',
    ]);
  });
});
