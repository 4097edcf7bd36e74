import { join } from 'node:path';
import { CATEGORIES, type Category } from '../../domain/src';
import { loadScenario, parseScenario, ScenarioError } from '.';
import {
  answerCountsAsOk,
  evaluateThresholds,
  parseCondition,
  type LoadObservation,
  type ScopeObservation,
} from './thresholds';

const base = () => loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'));
const withThresholds = (thresholds: unknown) =>
  parseScenario(JSON.stringify({ ...base(), source: undefined, thresholds }), 'json');

const scope = (o: Partial<ScopeObservation> = {}): ScopeObservation => ({
  offered: 100,
  ok: 100,
  p50Ms: 50,
  p95Ms: 90,
  p99Ms: 120,
  maxMs: 300,
  ...o,
});
const obs = (
  overall: Partial<ScopeObservation> & { droppedArrivals?: number },
  classes: Partial<Record<Category, Partial<ScopeObservation>>> = {},
): LoadObservation => ({
  overall: { ...scope(overall), droppedArrivals: overall.droppedArrivals ?? 0 },
  classes: Object.fromEntries(CATEGORIES.map((c) => [c, scope(classes[c])])) as Record<
    Category,
    ScopeObservation
  >,
});

describe('threshold conditions', () => {
  it('reads operator and number, with spaces', () => {
    expect(parseCondition('>=0.99')).toEqual({ op: '>=', value: 0.99 });
    expect(parseCondition(' <= 2000 ')).toEqual({ op: '<=', value: 2000 });
    expect(parseCondition('==0')).toEqual({ op: '==', value: 0 });
    expect(parseCondition('<5')).toEqual({ op: '<', value: 5 });
    expect(parseCondition('>1.5')).toEqual({ op: '>', value: 1.5 });
  });

  it('refuses anything else', () => {
    for (const bad of ['0.99', '=>0.99', '>= abc', 'p(99)<2000', '', '>=1e3', '>=0.9%'])
      expect(parseCondition(bad)).toBeNull();
  });
});

describe('thresholds in a scenario', () => {
  it('loads a valid section', () => {
    const s = withThresholds({
      overall: { successRate: '>=0.99', p99Ms: '<=2000', droppedArrivals: '==0' },
      classes: { MEDICAL: { successRate: '>=0.995', p95Ms: '<500' } },
    });
    expect(s.thresholds?.classes?.MEDICAL?.p95Ms).toBe('<500');
  });

  it('names every problem: syntax, unknown metric or class, range', () => {
    let err: ScenarioError | undefined;
    try {
      withThresholds({
        overall: { successRate: '>=1.5', p99Ms: 'fast', p42Ms: '<1' },
        classes: { VIP: { p99Ms: '<1' }, P2P: { droppedArrivals: '==0' } },
      });
    } catch (e) {
      err = e as ScenarioError;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const text = err!.problems.join('\n');
    expect(text).toMatch(/thresholds\/overall\/p99Ms|thresholds\.overall\.p99Ms/);
    expect(text).toMatch(/p42Ms/);
    expect(text).toMatch(/VIP/);
    expect(text).toMatch(/droppedArrivals/);
  });

  it('refuses a success rate outside 0..1 and a negative latency', () => {
    expect(() => withThresholds({ overall: { successRate: '>=1.5' } })).toThrow(
      /thresholds\.overall\.successRate: a success rate is a share from 0 to 1/,
    );
    expect(() => withThresholds({ classes: { BILL: { p99Ms: '<=-1' } } })).toThrow(
      /thresholds\.classes\.BILL\.p99Ms: must compare with a number >= 0/,
    );
  });
});

describe('evaluateThresholds', () => {
  const spec = {
    overall: { successRate: '>=0.99', p99Ms: '<=2000', droppedArrivals: '==0' },
    classes: { MEDICAL: { successRate: '>=0.995', p99Ms: '<=100' } },
  };

  it('passes when every condition holds', () => {
    const out = evaluateThresholds(spec, obs({}, { MEDICAL: { p99Ms: 100 } }));
    expect(out).toHaveLength(5);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(out.find((o) => o.scope === 'overall' && o.metric === 'successRate')?.actual).toBe(1);
  });

  it('fails exactly the thresholds that do not hold, with the actual value', () => {
    const out = evaluateThresholds(
      spec,
      obs({ ok: 98, droppedArrivals: 3 }, { MEDICAL: { offered: 200, ok: 198, p99Ms: 101 } }),
    );
    const failed = out.filter((o) => !o.ok).map((o) => [o.scope, o.metric, o.actual]);
    expect(failed).toEqual([
      ['overall', 'successRate', 0.98],
      ['overall', 'droppedArrivals', 3],
      ['MEDICAL', 'successRate', 0.99],
      ['MEDICAL', 'p99Ms', 101],
    ]);
  });

  it('a scope with no data passes with actual null (as k6), but an unanswered class fails its success rate', () => {
    const none = evaluateThresholds(spec, obs({}, { MEDICAL: { offered: 0, ok: 0, p99Ms: null } }));
    expect(none.filter((o) => o.scope === 'MEDICAL').map((o) => [o.actual, o.ok])).toEqual([
      [null, true],
      [null, true],
    ]);
    const silent = evaluateThresholds(spec, obs({}, { MEDICAL: { offered: 10, ok: 0, p99Ms: null } }));
    expect(silent.find((o) => o.scope === 'MEDICAL' && o.metric === 'successRate')).toMatchObject({
      actual: 0,
      ok: false,
    });
  });

  it('no thresholds: nothing to evaluate', () => {
    expect(evaluateThresholds(undefined, obs({}))).toEqual([]);
  });
});

describe('what counts as ok for the success rate', () => {
  it('success, deemed and business declines; not technical declines or pending', () => {
    expect(answerCountsAsOk('SUCCESS', '00')).toBe(true);
    expect(answerCountsAsOk('DEEMED', 'RB')).toBe(true);
    expect(answerCountsAsOk('DECLINED', 'Z9')).toBe(true);
    expect(answerCountsAsOk('DECLINED', 'ZH')).toBe(true);
    expect(answerCountsAsOk('DECLINED', 'XY')).toBe(false);
    expect(answerCountsAsOk('DECLINED', 'QD')).toBe(false);
    expect(answerCountsAsOk('DECLINED', null)).toBe(false);
    expect(answerCountsAsOk('PENDING', '01')).toBe(false);
  });
});
