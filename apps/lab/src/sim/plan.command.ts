import { loadScenario, type Scenario } from '../../../../libs/scenarios/src';
import {
  configText,
  createSimRunner,
  DEFAULT_SIM_MODEL,
  loadSimModel,
  parseSlo,
  planJson,
  planReportHtml,
  requirePlan,
  runPlan,
  type Trial,
  type TrialDetail,
} from '../../../../libs/sim/src';
import { chartJsSource } from '../report-io';
import { checkWritable, writeOutput } from '../output';

export interface PlanCommandOptions {
  scenario: string;
  slo: string;
  window: number;
  scale?: number;
  duration?: number;
  model?: string;
  out?: string;
  /** Simulations at once (worker threads); 1 (the default here; the CLI's is one per core) = in this process. */
  workers?: number;
}

/** `upi-lab plan`: the cheapest configuration of the scenario's plan knobs that meets the SLO. */
export async function planCommand(o: PlanCommandOptions): Promise<number> {
  const slo = parseSlo(o.slo, o.window); // bad SLO: a clear error before any simulation
  const loaded = loadScenario(o.scenario, {
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(o.duration !== undefined ? { durationSec: o.duration } : {}),
  });
  const scenario =
    o.scale !== undefined ? withProportionalQueue(loaded, o.scale / loadScenario(o.scenario).scale) : loaded;
  requirePlan(scenario);
  const model = o.model ? loadSimModel(o.model) : DEFAULT_SIM_MODEL;
  const started = performance.now();
  const base = o.out ?? `results/plan-${scenario.name}`;
  checkWritable(`${base}.json`); // before the search, not after it
  const runner = createSimRunner(o.workers ?? 1);
  console.error(
    `planning ${scenario.name} at scale ${scenario.scale} for SLO ${slo.text} (window ${slo.windowSec} s)` +
      (runner.width > 1 ? `, up to ${runner.width} simulations at once` : ''),
  );
  const onTrial = (t: Trial<TrialDetail>, n: number) => {
    const o = t.detail.verdict.overall;
    const w = t.detail.verdict.worstWindow;
    console.error(
      `  trial ${String(n).padStart(2)}  cost ${String(t.cost).padStart(8)}  ${t.meets ? 'meets' : 'fails'}  ` +
        `success ${o.success?.toFixed(2) ?? '-'} % p99 ${o.p99?.toFixed(0) ?? '-'} ms` +
        (w
          ? ` | worst window ${w.figures.success?.toFixed(2) ?? '-'} % p99 ${w.figures.p99?.toFixed(0) ?? '-'} ms`
          : '') +
        `  [${configText(t.config)}]  ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  };
  let plan;
  try {
    plan = await runPlan(scenario, slo, model, { onTrial, runner });
  } finally {
    await runner.close();
  }
  writeOutput(`${base}.json`, JSON.stringify(planJson(plan), null, 2) + '\n');
  writeOutput(`${base}.html`, planReportHtml(plan, chartJsSource(), new Date().toISOString()));
  const best = plan.outcome.best;
  console.log(
    best
      ? `recommended (cost ${best.cost}): ${configText(best.config)}`
      : 'no configuration meets the SLO, not even every capacity knob at its largest value',
  );
  console.log(`scenario as written: ${plan.baselineVerdict.meets ? 'meets' : 'misses'} the SLO`);
  console.log(
    `plan written to ${base}.json and ${base}.html (${plan.outcome.trials.length} configurations simulated)`,
  );
  return best ? 0 : 4;
}

/**
 * Planning at a smaller --scale than the file's: the switch queue's bound (maxQueue, not scaled by
 * `scale`) shrinks in proportion, so shedding starts at the same real-world backlog as in the
 * file's own scale and a plan made small still holds when replayed full size.
 */
function withProportionalQueue(s: Scenario, factor: number): Scenario {
  if (factor === 1) return s;
  const c = structuredClone(s) as Scenario & { topology: { switch: { stage: { maxQueue: number } } } };
  c.topology.switch.stage.maxQueue = Math.max(1, Math.round(s.topology.switch.stage.maxQueue * factor));
  if (s.source !== undefined) Object.defineProperty(c, 'source', { value: s.source, enumerable: false });
  return c;
}
