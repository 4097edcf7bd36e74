import { InputError } from '../../../../libs/domain/src';
import { loadScenario, validateResult } from '../../../../libs/scenarios/src';
import { runLive } from '../../../../libs/runtime/src/run-live';
import { writeResult } from '../run.command';
import { checkWritable } from '../output';
import { formatSummary } from '../summary';
import { liveTargets, repoRoot } from './stack';
import { readState } from './stack-state';

export interface RunLiveCommandOptions {
  scenario: string;
  target?: string;
  out?: string;
  duration?: number;
  scale?: number;
  seed?: number;
  quiet?: boolean;
}

/**
 * `upi-lab run --live`: the scenario against the stack `upi-lab stack up` started (its state file
 * says where everything is); `--target` points the load at other PSP URLs (a comma list; default every PSP
 * instance of the stack, round-robin).
 */
export async function runLiveCommand(o: RunLiveCommandOptions): Promise<number> {
  const state = readState(repoRoot());
  if (!state) throw new InputError('no live stack: run `upi-lab stack up --scenario FILE` first');
  const scenario = loadScenario(o.scenario, {
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(o.duration !== undefined ? { durationSec: o.duration } : {}),
  });
  // The stack's processes built their topology (accounts, balances, capacities) from their own
  // reading of the scenario: the load must come from the same one.
  const stackScenario = loadScenario(state.scenario);
  const same =
    stackScenario.seed === scenario.seed &&
    stackScenario.scale === scenario.scale &&
    JSON.stringify(stackScenario.topology) === JSON.stringify(scenario.topology);
  if (!same)
    throw new InputError(
      `the stack runs ${state.scenario} (seed ${stackScenario.seed}, scale ${stackScenario.scale}); ` +
        'run --live needs the same topology, seed and scale: restart the stack with this scenario',
    );
  const targets = liveTargets(state, o.target);
  console.error(
    `live run ${state.runId}: ${scenario.name} for ${scenario.durationSec} s against ${(targets.pspUrls ?? [targets.pspUrl]).join(', ')}`,
  );
  if (o.out) checkWritable(o.out); // before the run, not after it
  const result = await runLive(scenario, {
    targets,
    onProgress: (p) => {
      if (p.phase === 'load' && Number.isInteger(p.elapsedSec) && p.elapsedSec % 5 === 0)
        console.error(
          `  ${p.elapsedSec}/${p.durationSec} s offered ${p.offered} done ${p.completed} ok ${p.succeeded}`,
        );
    },
  });
  const check = validateResult(result);
  if (!check.ok)
    throw new Error(`internal error: the result does not match the schema:\n  ${check.errors.join('\n  ')}`);
  const out = o.out ?? `results/${scenario.name}-live-${result.startedAt.replace(/[:.]/g, '-')}.json`;
  writeResult(out, result);
  if (!o.quiet) console.log(formatSummary(result));
  console.log(`\nresult written to ${out}`);
  return result.invariants.every((i) => i.ok) ? 0 : 3;
}
