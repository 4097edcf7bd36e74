import { InputError } from '../../../libs/domain/src';
import { join } from 'node:path';
import { runScenario, virtualClock, wallClock } from '../../../libs/runtime/src';
import { simulate } from '../../../libs/sim/src/simulate';
import { DEFAULT_SIM_MODEL } from '../../../libs/sim/src/sim-model';
import { createSimRunner } from '../../../libs/sim/src/sim-runner';
import { loadScenario, validateResult, type RunResult, type Scenario } from '../../../libs/scenarios/src';
import { STRATEGIES } from '../../../libs/scheduling/src';
import { writeResult } from './run.command';
import { checkWritable } from './output';
import { writeReport } from './report-io';
import { progressView } from './progress';

export interface CompareCommandOptions {
  scenario: string;
  strategies: string;
  batch: string;
  batchPolicy?: string;
  seed?: number;
  scale?: number;
  duration?: number;
  /** Default true; `--wall-clock` sets it false. */
  virtual?: boolean;
  wallClock?: boolean;
  /** Run each combination in the simulator (libs/sim: modelled service times and network), mode simulated. */
  simulate?: boolean;
  out?: string;
  target?: number;
  progress?: boolean;
  /** Virtual-clock runs at once, in worker threads; 1 (the default here; the CLI's is one per core) = in this process. */
  workers?: number;
}

/** Parses "a,b,c" into a non-empty list without blanks or duplicates. */
export function parseList(flag: string, raw: string): string[] {
  const xs = raw.split(',').map((s) => s.trim());
  if (xs.length === 0 || xs.some((x) => x === ''))
    throw new InputError(`${flag}: give a comma-separated list, got "${raw}"`);
  if (new Set(xs).size !== xs.length) throw new InputError(`${flag}: "${raw}" names something twice`);
  return xs;
}

/**
 * `upi-lab compare`: the scenario once per (scheduling strategy × batch size) on the embedded system,
 * each run's result JSON, then one HTML report and its comparison JSON.
 */
export async function compareCommand(o: CompareCommandOptions): Promise<number> {
  const strategies = parseList('--strategies', o.strategies);
  for (const s of strategies)
    if (!(STRATEGIES as readonly string[]).includes(s))
      throw new InputError(`--strategies: unknown strategy "${s}" (one of ${STRATEGIES.join(', ')})`);
  const sizes = parseList('--batch', o.batch).map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1)
      throw new InputError(`--batch: "${x}" is not a batch size (integer ≥ 1)`);
    return n;
  });
  const virtual = o.wallClock !== true;
  const combos = strategies.flatMap((s) => sizes.map((b) => ({ scheduling: s, size: b })));
  // Load every combination before running anything, so a bad flag fails at once.
  const scenarios = combos.map((c) =>
    loadScenario(o.scenario, {
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.scale !== undefined ? { scale: o.scale } : {}),
      ...(o.duration !== undefined ? { durationSec: o.duration } : {}),
      scheduling: c.scheduling,
      batch: { size: c.size, ...(o.batchPolicy !== undefined ? { policy: o.batchPolicy } : {}) },
    }),
  );
  const name = scenarios[0]!.name;
  const outDir =
    o.out ?? join('results', `compare-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  checkWritable(join(outDir, 'report.html')); // before the runs, not after them
  const perRun = scenarios[0]!.durationSec;
  const bar =
    o.progress === false
      ? null
      : progressView(
          '{bar} {value}/{total} s of load | run {run}/{runs} {label} {phase}',
          perRun * combos.length,
          { run: 0, runs: combos.length, label: '', phase: '' },
          { virtualClock: o.simulate || virtual },
        );
  const labelOf = (sc: Scenario) =>
    `${sc.strategies.scheduling} · ${sc.strategies.batch.policy} ${sc.strategies.batch.size}`;
  const workers = Math.min(o.workers ?? 1, combos.length);
  // Virtual-clock runs are independent and deterministic: several at once in worker threads give
  // the same results. Wall-clock runs stay one at a time (they would slow each other down).
  const results =
    (o.simulate || virtual) && workers > 1
      ? await runInWorkers(scenarios, workers, o.simulate ? 'simulated' : 'embedded', (done, sc) =>
          bar?.update(done * perRun, { run: done, runs: combos.length, label: labelOf(sc), phase: 'done' }),
        )
      : await runInTurn(scenarios, (sc, i) => {
          const onProgress = (p: { elapsedSec: number; phase: string }) =>
            bar?.update(i * perRun + Math.floor(p.elapsedSec), {
              run: i + 1,
              runs: combos.length,
              label: labelOf(sc),
              phase: p.phase,
            });
          return o.simulate
            ? simulate(sc, { onProgress })
            : runScenario(sc, {
                clock: virtual ? virtualClock() : wallClock(),
                mode: 'embedded',
                onProgress,
              });
        });
  results.forEach((result, i) => {
    const sc = scenarios[i]!;
    const check = validateResult(result);
    if (!check.ok)
      throw new Error(
        `internal error: run ${labelOf(sc)} does not match the result schema: ${check.errors.join('; ')}`,
      );
    writeResult(
      join(
        outDir,
        `run-${sc.strategies.scheduling}-${sc.strategies.batch.policy}-${sc.strategies.batch.size}.json`,
      ),
      result,
    );
  });
  bar?.update(perRun * combos.length, { phase: 'done' });
  bar?.stop();
  const written = writeReport(results, join(outDir, 'report'), {
    title: `Strategy comparison: ${name} (${o.simulate ? 'simulated' : virtual ? 'embedded on a virtual clock' : 'embedded, wall clock'})`,
    ...(o.target !== undefined ? { target: o.target } : {}),
  });
  console.log(written.comparison.summary);
  for (const v of written.comparison.verdicts) console.log(`  ${v.text}`);
  console.log(
    `\n${combos.length} results in ${outDir}/\nreport: ${written.html}\ncomparison: ${written.json}`,
  );
  return results.every((r) => r.invariants.every((x) => x.ok)) ? 0 : 3;
}

async function runInTurn(
  scenarios: readonly Scenario[],
  run: (sc: Scenario, i: number) => Promise<RunResult>,
): Promise<RunResult[]> {
  const out: RunResult[] = [];
  for (let i = 0; i < scenarios.length; i++) out.push(await run(scenarios[i]!, i));
  return out;
}

/** Every combination at once on `workers` threads; results in the combinations' order. */
async function runInWorkers(
  scenarios: readonly Scenario[],
  workers: number,
  mode: 'simulated' | 'embedded',
  onDone: (done: number, sc: Scenario) => void,
): Promise<RunResult[]> {
  const runner = createSimRunner(workers);
  let done = 0;
  try {
    return await Promise.all(
      scenarios.map((sc) =>
        runner.run({ scenario: sc, model: DEFAULT_SIM_MODEL, mode }).then((r) => {
          onDone(++done, sc);
          return r;
        }),
      ),
    );
  } finally {
    await runner.close();
  }
}
