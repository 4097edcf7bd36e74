import { buildReport } from '../../report/src';
import type { PlanRun } from './plan-run';

/**
 * The planner's HTML page: the recommendation, every trial (cost against success and worst p99,
 * as a chart and a table), then the comparison report (libs/report) of the scenario as written
 * against the recommended configuration. Chart.js is inlined by buildReport.
 */
export function planReportHtml(p: PlanRun, chartJs: string, generatedAt: string): string {
  const runs = p.recommended ? [p.baseline, p.recommended] : [p.baseline];
  const base = buildReport(runs, { chartJs, title: `Capacity plan: ${p.scenario}`, generatedAt }).html;
  const best = p.outcome.best;
  const rows = p.outcome.trials
    .map((t, i) => {
      const o = t.detail.verdict.overall;
      const w = t.detail.verdict.worstWindow;
      const cls = t === best ? ' class="met"' : t.meets ? '' : ' class="missed"';
      return (
        `<tr${cls}><td>${i + 1}</td><td>${esc(configText(t.config))}</td><td>${t.cost}</td>` +
        `<td>${fmt(o.success, 2)}</td><td>${fmt(o.p99, 0)}</td><td>${fmt(w?.figures.success ?? null, 2)}</td>` +
        `<td>${fmt(w?.figures.p99 ?? null, 0)}</td><td>${t.meets ? 'yes' : 'no'}</td></tr>`
      );
    })
    .join('\n');
  const points = p.outcome.trials.map((t) => ({
    x: t.cost,
    y: t.detail.verdict.worstWindow?.figures.success ?? t.detail.verdict.overall.success ?? 0,
    meets: t.meets,
    label: configText(t.config),
  }));
  const section = `
<div class="verdict">
<p><b>SLO</b> ${esc(p.slo.text)} over the whole run${p.slo.windowSec ? ` and in every ${p.slo.windowSec} s window` : ''}.</p>
<p>${
    best
      ? `<b>Recommended</b> (cheapest found that meets it, cost ${best.cost}): ${esc(configText(best.config))}.`
      : '<b>No configuration meets the SLO</b>, not even the largest values of every capacity knob.'
  }</p>
<p>The scenario as written ${p.baselineVerdict.meets ? 'meets' : 'misses'} the SLO${
    p.baselineVerdict.failures.length ? `: ${esc(p.baselineVerdict.failures.slice(0, 3).join('; '))}` : ''
  }. ${p.outcome.trials.length} configurations simulated. In the comparison below, #1 is the scenario as written${
    best ? ' and #2 the recommendation' : ''
  } (labels name the strategies).</p>
</div>
<h2>Search: cost against the ${p.slo.windowSec ? "worst window's" : "whole run's"} success rate</h2>
<div class="chart"><canvas id="plan-cost"></canvas></div>
<table><tr><th>#</th><th>configuration</th><th>cost</th><th>success %</th><th>p99 ms</th><th>worst window success %</th><th>worst window p99 ms</th><th>meets</th></tr>
${rows}
</table>
<script>
(function () {
  var pts = ${JSON.stringify(points)};
  function ds(meets, color) {
    return { label: meets ? 'meets the SLO' : 'misses it', backgroundColor: color, pointRadius: 5,
      data: pts.filter(function (p) { return p.meets === meets; }) };
  }
  window.addEventListener('load', function () {
    new Chart(document.getElementById('plan-cost'), {
      type: 'scatter',
      data: { datasets: [ds(true, '#2ca02c'), ds(false, '#d62728')] },
      options: { maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'cost' } },
        y: { title: { display: true, text: ${JSON.stringify(p.slo.windowSec ? 'success % (worst window)' : 'success % (whole run)')} } } },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.raw.label + ': ' + c.raw.y.toFixed(2) + ' %'; } } } } }
    });
  });
})();
</script>
<h2>As written against recommended</h2>
`;
  const at = base.indexOf('</h1>');
  if (at < 0) throw new Error('internal error: the comparison report has no title');
  return base.slice(0, at + 5) + section + base.slice(at + 5);
}

export function configText(c: Readonly<Record<string, number | string>>): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function fmt(x: number | null, digits: number): string {
  return x === null ? '-' : x.toFixed(digits);
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
