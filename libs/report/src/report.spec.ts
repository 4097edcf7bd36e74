import { join } from 'node:path';
import { runScenario, virtualClock } from '../../runtime/src';
import { loadScenario, type RunResult } from '../../scenarios/src';
import { buildReport, compareRuns } from './index';

const SMOKE = join(__dirname, '../../../scenarios/smoke.yaml');

function withShare(r: RunResult, c: 'MEDICAL' | 'P2M', share: number): RunResult {
  return {
    ...r,
    latencyMs: {
      ...r.latencyMs,
      byClass: { ...r.latencyMs.byClass, [c]: { ...r.latencyMs.byClass[c], withinDeadlineShare: share } },
    },
  };
}

describe('compareRuns and buildReport', () => {
  let base: RunResult;
  beforeAll(async () => {
    base = await runScenario(loadScenario(SMOKE, { durationSec: 4, seed: 2 }), {
      clock: virtualClock(),
      mode: 'embedded',
    });
  });

  it('says which run met which class, and picks the run that met the most', () => {
    const a = withShare({ ...base, strategies: { ...base.strategies, scheduling: 'fifo' } }, 'MEDICAL', 0.6);
    const b = withShare(
      { ...base, strategies: { ...base.strategies, scheduling: 'earliest-deadline-first' } },
      'MEDICAL',
      1,
    );
    const c = compareRuns([a, b]);
    const medical = c.verdicts.find((v) => v.category === 'MEDICAL')!;
    expect(medical.metBy).toEqual([c.runs[1]!.label]);
    expect(medical.missedBy).toEqual([c.runs[0]!.label]);
    expect(medical.text).toContain('deadline 100 ms');
    expect(medical.text).toContain('60.0 %');
    expect(c.best).toBe(c.runs[1]!.label);
    expect(c.summary).toContain(c.runs[1]!.label);
    // A stricter target than any run reached: nobody met it.
    const strict = compareRuns([withShare(a, 'P2M', 0.995), withShare(b, 'P2M', 0.995)], { target: 0.999 });
    expect(strict.verdicts.find((v) => v.category === 'P2M')!.metBy).toEqual([]);
    expect(() => compareRuns([a], { target: 0 })).toThrow(/target/);
  });

  it('figures come from the result: shed, deadline drops, batch and queue series', () => {
    const r = {
      ...base,
      outcomes: {
        ...base.outcomes,
        byCode: {
          ...base.outcomes.byCode,
          QS: { count: 7, kind: 'TD' as const },
          QD: { count: 3, kind: 'TD' as const },
        },
      },
    };
    const [s] = compareRuns([r]).runs;
    expect(s!.shed).toBe(7);
    expect(s!.deadlineDropped).toBe(3);
    expect(s!.meanBatchSize).toBeGreaterThanOrEqual(1);
    expect(s!.maxQueueDepth).not.toBeNull();
    // A live result carries no stage series: shown as unknown, not as zero.
    const live = {
      ...base,
      mode: 'live' as const,
      timeline: base.timeline.map(({ t, offered, completed, success, declined, p99Ms }) => ({
        t,
        offered,
        completed,
        success,
        declined,
        p99Ms,
      })),
    };
    const [l] = compareRuns([live]).runs;
    expect(l!.meanBatchSize).toBeNull();
    expect(l!.maxQueueDepth).toBeNull();
  });

  it('labels stay unique; mixed modes are named', () => {
    const c = compareRuns([base, base, { ...base, mode: 'live' }]);
    expect(new Set(c.runs.map((r) => r.label)).size).toBe(3);
    expect(c.runs[2]!.label).toContain('(live)');
  });

  it('the HTML is self-contained and escapes what it embeds', () => {
    const evil = { ...base, scenario: { ...base.scenario, name: '</script><img src=x onerror=alert(1)>' } };
    const { html } = buildReport([evil], { chartJs: 'window.Chart = function () {};' });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(() => buildReport([base], { chartJs: 'x="</script>"' })).toThrow(/inline/);
    expect(() => buildReport([], { chartJs: '' })).toThrow(/no results/);
  });
});
