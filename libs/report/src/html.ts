import { CATEGORIES } from '../../domain/src';
import type { RunResult } from '../../scenarios/src/result';
import { compareRuns, type Comparison, type CompareOptions, type RunSummary } from './compare';

export interface ReportOptions extends CompareOptions {
  /** Chart.js's UMD build (node_modules/chart.js/dist/chart.umd.js), inlined so the file needs no network. */
  readonly chartJs: string;
  readonly title?: string;
  /** Shown in the footer; pass it in (the builder reads no clock). */
  readonly generatedAt?: string;
}

export interface Report {
  readonly html: string;
  readonly comparison: Comparison;
}

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

/**
 * Results → one self-contained HTML page (Chart.js inlined, data embedded) and the comparison
 * behind it. Pure: the caller reads the files and writes the output.
 */
export function buildReport(results: readonly RunResult[], opts: ReportOptions): Report {
  if (results.length === 0) throw new Error('no results to report on');
  if (/<\/script/i.test(opts.chartJs))
    throw new Error('the Chart.js source contains "</script": cannot inline it');
  const comparison = compareRuns(results, opts);
  const title = opts.title ?? `Strategy comparison: ${comparison.scenario}`;
  const data = chartData(results, comparison.runs);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; } th:first-child, td:first-child { text-align: left; }
th { background: #f4f4f4; } .met { background: #e6f4ea; } .missed { background: #fde8e8; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 24px; }
.chart { position: relative; height: 320px; } .verdict { background: #f7f7fb; border-left: 4px solid #1f77b4; padding: 8px 14px; }
.small { color: #666; font-size: 12px; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<div class="verdict">
<p><strong>${esc(comparison.summary)}</strong></p>
<ul>
${comparison.verdicts.map((v) => `<li>${esc(v.text)}</li>`).join('\n')}
</ul>
<p class="small">A class's deadline counts as met when at least ${(comparison.target * 100).toFixed(1)} % of its payments
started within the switch's queueing deadline for the class (not dropped QD or shed QS).</p>
</div>

<h2>Runs</h2>
${runsTable(comparison.runs)}

<h2>Latency per class (ms)</h2>
${classTable(comparison.runs)}

<div class="grid">
<div><h2>p99 latency per class</h2><div class="chart"><canvas id="chart-p99"></canvas></div></div>
<div><h2>p50 latency per class</h2><div class="chart"><canvas id="chart-p50"></canvas></div></div>
<div><h2>Success rate over time (%)</h2><div class="chart"><canvas id="chart-success"></canvas></div></div>
<div><h2>Throughput (completed payments/s)</h2><div class="chart"><canvas id="chart-throughput"></canvas></div></div>
<div><h2>Switch queue depth</h2><div class="chart"><canvas id="chart-queue"></canvas></div></div>
<div><h2>Mean batch size</h2><div class="chart"><canvas id="chart-batch"></canvas></div></div>
<div><h2>Shed and declined</h2><div class="chart"><canvas id="chart-declines"></canvas></div></div>
</div>
<p class="small">UPI LoadLab comparison report${opts.generatedAt ? `, generated ${esc(opts.generatedAt)}` : ''}. ${results.length} run(s).</p>
<script>${opts.chartJs}</script>
<script id="report-data" type="application/json">${jsonForScript(data)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
  return { html, comparison };
}

interface Point {
  readonly x: number;
  readonly y: number | null;
}

function chartData(results: readonly RunResult[], runs: readonly RunSummary[]) {
  const series = (f: (p: RunResult['timeline'][number]) => number | null | undefined) =>
    results.map((r) => r.timeline.map((p): Point => ({ x: p.t, y: f(p) ?? null })));
  return {
    labels: runs.map((r) => r.label),
    colors: runs.map((_, i) => PALETTE[i % PALETTE.length]!),
    classes: [...CATEGORIES],
    deadlines: CATEGORIES.map((c) => runs[0]!.byClass[c].deadlineMs),
    p99: runs.map((r) => CATEGORIES.map((c) => r.byClass[c].p99)),
    p50: runs.map((r) => CATEGORIES.map((c) => r.byClass[c].p50)),
    success: series((p) => (p.completed ? Math.round((10000 * p.success) / p.completed) / 100 : null)),
    throughput: series((p) => p.completed),
    queue: series((p) => p.queueDepth),
    batch: series((p) => p.meanBatchSize),
    declines: {
      shed: runs.map((r) => r.shed),
      deadlineDropped: runs.map((r) => r.deadlineDropped),
      technical: runs.map((r) => r.technicalDeclines - r.deadlineDropped - r.shed),
      business: runs.map((r) => r.businessDeclines),
    },
  };
}

function runsTable(runs: readonly RunSummary[]): string {
  const head = [
    'run',
    'mode',
    'offered',
    'completed',
    'success',
    'throughput/s',
    'p50 ms',
    'p99 ms',
    'mean batch',
    'max queue',
    'dropped QD',
    'shed QS',
    'declined (TD / BD)',
    'invariants',
  ];
  const rows = runs.map((r) =>
    [
      r.label,
      r.mode,
      r.offered,
      r.completed,
      `${(r.successRate * 100).toFixed(2)} %`,
      r.throughputTps,
      ms(r.latencyMs.p50),
      ms(r.latencyMs.p99),
      r.meanBatchSize ?? '–',
      r.maxQueueDepth ?? '–',
      r.deadlineDropped,
      r.shed,
      `${r.declined} (${r.technicalDeclines} / ${r.businessDeclines})`,
      r.invariantsOk ? 'ok' : 'FAILED',
    ]
      .map((c) => `<td>${esc(String(c))}</td>`)
      .join(''),
  );
  return table(head, rows);
}

function classTable(runs: readonly RunSummary[]): string {
  const head = [
    'run',
    ...CATEGORIES.map((c) => `${c} (${runs[0]!.byClass[c].deadlineMs} ms): p50 / p99 · within`),
  ];
  const rows = runs.map(
    (r) =>
      `<td>${esc(r.label)}</td>` +
      CATEGORIES.map((c) => {
        const f = r.byClass[c];
        if (f.count === 0) return '<td>–</td>';
        const share = f.withinDeadlineShare === null ? '–' : `${(f.withinDeadlineShare * 100).toFixed(1)} %`;
        return `<td class="${f.met ? 'met' : 'missed'}">${ms(f.p50)} / ${ms(f.p99)} · ${share}</td>`;
      }).join(''),
  );
  return table(head, rows);
}

function table(head: readonly string[], rows: readonly string[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows.map((r) => `<tr>${r}</tr>`).join('\n')}
</tbody></table>`;
}

function ms(x: number): string {
  return x >= 100 ? String(Math.round(x)) : x.toFixed(1);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element: no "</" or "<!--" can close or confuse it. */
function jsonForScript(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c');
}

/** Runs in the browser: builds the charts from #report-data. Plain ES2017, no modules. */
const CLIENT_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  function lines(id, key, yTitle, y) {
    new Chart(document.getElementById(id), {
      type: 'line',
      data: { datasets: d.labels.map(function (l, i) {
        return { label: l, data: d[key][i], borderColor: d.colors[i], backgroundColor: d.colors[i],
                 pointRadius: 0, borderWidth: 1.5, spanGaps: true };
      }) },
      options: { parsing: true, scales: { x: { type: 'linear', title: { display: true, text: 'second of the run' } },
                 y: Object.assign({ beginAtZero: true, title: { display: true, text: yTitle } }, y || {}) } }
    });
  }
  function perClass(id, key) {
    var sets = d.labels.map(function (l, i) {
      return { type: 'bar', label: l, data: d[key][i], backgroundColor: d.colors[i] };
    });
    sets.push({ type: 'line', label: 'class deadline', data: d.deadlines, borderColor: '#000',
                borderDash: [6, 4], pointRadius: 3, fill: false });
    new Chart(document.getElementById(id), {
      type: 'bar', data: { labels: d.classes, datasets: sets },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ms' } } } }
    });
  }
  perClass('chart-p99', 'p99');
  perClass('chart-p50', 'p50');
  // Success sits near 100 %: zoom in on it rather than start the axis at 0.
  lines('chart-success', 'success', '% successful', { beginAtZero: false, suggestedMax: 100 });
  lines('chart-throughput', 'throughput', 'payments/s');
  lines('chart-queue', 'queue', 'payments queued');
  lines('chart-batch', 'batch', 'payments per batch');
  new Chart(document.getElementById('chart-declines'), {
    type: 'bar',
    data: { labels: d.labels, datasets: [
      { label: 'shed (QS)', data: d.declines.shed, backgroundColor: '#d62728' },
      { label: 'deadline passed (QD)', data: d.declines.deadlineDropped, backgroundColor: '#ff7f0e' },
      { label: 'other technical declines', data: d.declines.technical, backgroundColor: '#9467bd' },
      { label: 'business declines', data: d.declines.business, backgroundColor: '#7f7f7f' }
    ] },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
  document.body.setAttribute('data-charts-ready', 'true');
})();
`;
