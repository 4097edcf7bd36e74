import { loadScenario, type RunResult, validateResult } from '../../../libs/scenarios/src';
import { runScenario, virtualClock, wallClock, type RunProgress } from '../../../libs/runtime/src';
import { checkWritable, writeOutput } from './output';
import { formatSummary } from './summary';
import { progressView } from './progress';

export interface RunCommandOptions {
  scenario: string;
  out?: string;
  seed?: number;
  scale?: number;
  duration?: number;
  virtual?: boolean;
  strategy?: string;
  batch?: string;
  batchSize?: number;
  breaker?: string;
  progress?: boolean;
  quiet?: boolean;
}

/** `upi-lab run`: the scenario against the embedded system; prints a summary, writes the result JSON. */
export async function runCommand(o: RunCommandOptions): Promise<number> {
  const scenario = loadScenario(o.scenario, {
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(o.duration !== undefined ? { durationSec: o.duration } : {}),
    ...(o.strategy !== undefined ? { scheduling: o.strategy } : {}),
    ...(o.batch !== undefined || o.batchSize !== undefined
      ? {
          batch: {
            ...(o.batch !== undefined ? { policy: o.batch } : {}),
            ...(o.batchSize !== undefined ? { size: o.batchSize } : {}),
          },
        }
      : {}),
    ...(o.breaker !== undefined ? { breaker: o.breaker } : {}),
  });
  if (o.out) checkWritable(o.out); // before the run, not after it
  const bar = o.progress === false ? null : progressBar(scenario.durationSec, { virtualClock: !!o.virtual });
  const result = await runScenario(scenario, {
    clock: o.virtual ? virtualClock() : wallClock(),
    mode: 'embedded',
    ...(bar ? { onProgress: bar.update } : {}),
  });
  bar?.stop();

  const check = validateResult(result);
  if (!check.ok)
    throw new Error(
      `internal error: the result does not match docs/result.schema.json:\n  ${check.errors.join('\n  ')}`,
    );
  const out = o.out ?? `results/${scenario.name}-${result.startedAt.replace(/[:.]/g, '-')}.json`;
  writeResult(out, result);
  if (!o.quiet) console.log(formatSummary(result));
  console.log(`\nresult written to ${out}`);
  return result.invariants.every((i) => i.ok) ? 0 : 3;
}

export function writeResult(path: string, result: RunResult): void {
  writeOutput(path, JSON.stringify(result, null, 2) + '\n');
}

/** The run's progress: seconds of load, then drain, with offered, completed and success so far. */
export function progressBar(
  durationSec: number,
  opts: { readonly virtualClock: boolean },
): { update: (p: RunProgress) => void; stop: () => void } {
  const bar = progressView(
    '{bar} {phase} {value}/{total} s | offered {offered} | done {completed} | ok {ok}',
    durationSec,
    { phase: 'load ', offered: 0, completed: 0, ok: '-' },
    opts,
  );
  return {
    update: (p) =>
      bar.update(Math.floor(p.elapsedSec), {
        phase: p.phase === 'load' ? 'load ' : 'drain',
        offered: p.offered,
        completed: p.completed,
        ok: p.completed ? `${((100 * p.succeeded) / p.completed).toFixed(1)}%` : '-',
      }),
    stop: () => bar.stop(),
  };
}
