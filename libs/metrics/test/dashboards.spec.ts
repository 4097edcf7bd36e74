import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardQueries, knownSeriesNames, readPromql } from '../src';

const DIR = join(__dirname, '../../../infra/grafana/dashboards');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('Grafana dashboards', () => {
  it('are the four the docs promise', () => {
    expect(files.sort()).toEqual([
      'banks-breakers.json',
      'overview.json',
      'strategy-comparison.json',
      'switch-raft.json',
    ]);
  });

  it.each(files)('%s: every panel query parses and names only metrics defined in libs/metrics', (f) => {
    const d = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { uid: string; panels: unknown[] };
    expect(d.uid).toMatch(/^upi-/);
    const queries = dashboardQueries(d);
    expect(queries.length).toBeGreaterThanOrEqual(d.panels.length);
    const known = knownSeriesNames();
    const bad: string[] = [];
    for (const q of queries) {
      const r = readPromql(q.expr);
      for (const p of r.problems) bad.push(`${q.panel}: ${p} in ${q.expr}`);
      for (const m of r.metrics) if (!known.has(m)) bad.push(`${q.panel}: unknown metric ${m}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('readPromql', () => {
  it('finds metric names, not functions, labels, label lists or durations', () => {
    const r = readPromql(
      'histogram_quantile(0.99, sum by (le, class) (rate(upi_payment_latency_seconds_bucket{outcome=~"SUCCESS|DEEMED", run=~"$run"}[$__rate_interval]))) / on (run) group_left sum(x_total)',
    );
    expect(r.metrics).toEqual(['upi_payment_latency_seconds_bucket', 'x_total']);
    expect(r.problems).toEqual([]);
  });

  it('reports what is malformed', () => {
    expect(readPromql('sum(rate(a[1m])').problems).toContain('unclosed "("');
    expect(readPromql('summ(a)').problems).toContain('unknown function summ');
    expect(readPromql('sum(rate(a[1m])))').problems).toContain('unbalanced ")"');
    expect(readPromql('time()').problems).toContain('names no metric');
  });
});
