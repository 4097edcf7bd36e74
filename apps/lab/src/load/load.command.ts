import { InputError } from '../../../../libs/domain/src';
import { readFileSync } from 'node:fs';
import { LoadTally } from '../../../../libs/runtime/src/load-tally';
import { runLive } from '../../../../libs/runtime/src/run-live';
import {
  evaluateThresholds,
  loadScenario,
  parseRateCsv,
  replayDurationSec,
  replaySegments,
  validateResult,
  type RunResult,
  type ThresholdOutcome,
} from '../../../../libs/scenarios/src';
import { progressBar, writeResult } from '../run.command';
import { checkWritable } from '../output';
import { liveTargets, repoRoot } from '../stack/stack';
import { readState } from '../stack/stack-state';
import { formatSummary } from '../summary';

export interface LoadCommandOptions {
  scenario: string;
  scale?: number;
  target?: string;
  replay?: string;
  out?: string;
  /** Longest an arrival may wait for a free connection before it counts as dropped (ms). */
  maxLag?: number;
  /** Keep-alive connections in all (default: sized from the peak rate). */
  connections?: number;
  /** `first,every,max`: status polls of a 202, in seconds (NPCI: first after 45–90 s, ≥ 90 s apart, 3 at most). */
  statusPoll?: string;
  progress?: boolean;
  quiet?: boolean;
}

/** Exit code of a run whose thresholds failed (k6 uses the same). */
export const THRESHOLDS_FAILED = 99;
/** Exit code of a run that broke an invariant (as `upi-lab run`). */
export const INVARIANT_FAILED = 3;

/** Reads `--status-poll first,every,max` (seconds, seconds, count). */
export function parseStatusPoll(v: string): { firstAfterMs: number; everyMs: number; maxPolls: number } {
  const parts = v.split(',').map((x) => Number(x.trim()));
  const [first, every, max] = parts;
  if (
    parts.length !== 3 ||
    !(first! >= 0) ||
    !(every! > 0) ||
    !Number.isInteger(max) ||
    max! < 1 ||
    max! > 100
  )
    throw new InputError(
      `--status-poll: expected "first,every,max" in seconds, seconds and a count, got "${v}"`,
    );
  return { firstAfterMs: first! * 1000, everyMs: every! * 1000, maxPolls: max! };
}

/**
 * `upi-lab load`: the scenario (or a replayed rate file) against the live stack as an open-model load
 * test, with the scenario's faults in step, its thresholds as the verdict. Exit 0 when every
 * threshold and invariant holds, 99 when a threshold failed, 3 when an invariant broke.
 */
export async function loadCommand(o: LoadCommandOptions): Promise<number> {
  const state = readState(repoRoot());
  if (!state) throw new InputError('no live stack: run `upi-lab stack up --scenario FILE` first');
  const replay = o.replay ? parseRateCsv(readFileSync(o.replay, 'utf8'), o.replay) : null;
  const scenario = loadScenario(o.scenario, {
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(replay ? { durationSec: replayDurationSec(replay) } : {}),
  });
  // The stack's processes built accounts and VPAs from their own reading of the scenario; the scale
  // may differ (it sets the offered rate here, and the stack's capacities there).
  const stackScenario = loadScenario(state.scenario);
  if (
    stackScenario.seed !== scenario.seed ||
    JSON.stringify(stackScenario.topology) !== JSON.stringify(scenario.topology)
  )
    throw new InputError(
      `the stack runs ${state.scenario}; load needs the same topology and seed: restart the stack with this scenario`,
    );
  const targets = liveTargets(state, o.target);
  const statusPoll = parseStatusPoll(o.statusPoll ?? '45,90,3');
  const maxLagMs = o.maxLag ?? 1000;
  const tally = new LoadTally();
  console.error(
    `load ${state.runId}: ${scenario.name}${replay ? ` replaying ${o.replay}` : ''} for ${scenario.durationSec} s ` +
      `at scale ${scenario.scale} against ${(targets.pspUrls ?? [targets.pspUrl]).join(', ')}`,
  );
  if (o.out) checkWritable(o.out); // before the run, not after it
  const bar = o.progress === false ? null : progressBar(scenario.durationSec, { virtualClock: false });
  const result = await runLive(scenario, {
    targets,
    admission: { maxLagMs },
    statusPoll,
    ...(o.connections !== undefined ? { connections: o.connections } : {}),
    ...(replay ? { segments: replaySegments(replay, scenario.scale) } : {}),
    onArrival: (a) => tally.arrival(a.body.category),
    onAnswer: (category, status, code) => tally.answer(category, status, code),
    ...(bar ? { onProgress: bar.update } : {}),
  });
  bar?.stop();

  const ext = result.extensions as { droppedArrivals: number } & Record<string, unknown>;
  const thresholds = evaluateThresholds(scenario.thresholds, tally.observe(result, ext.droppedArrivals));
  const final: RunResult = {
    ...result,
    extensions: {
      ...ext,
      ...(replay ? { replay: { file: o.replay, rows: replay.length } } : {}),
      admission: { maxLagMs },
      statusPoll,
      thresholds,
      verdict: verdict(result, thresholds),
    },
  };
  const check = validateResult(final);
  if (!check.ok)
    throw new Error(`internal error: the result does not match the schema:\n  ${check.errors.join('\n  ')}`);
  const out = o.out ?? `results/${scenario.name}-load-${result.startedAt.replace(/[:.]/g, '-')}.json`;
  writeResult(out, final);
  if (!o.quiet) console.log(formatSummary(final));
  console.log(formatLoadSummary(final, thresholds));
  console.log(`\nresult written to ${out}`);
  if (!final.invariants.every((i) => i.ok)) return INVARIANT_FAILED;
  return thresholds.every((t) => t.ok) ? 0 : THRESHOLDS_FAILED;
}

function verdict(
  r: RunResult,
  t: readonly ThresholdOutcome[],
): 'pass' | 'thresholds failed' | 'invariant broken' {
  if (!r.invariants.every((i) => i.ok)) return 'invariant broken';
  return t.every((x) => x.ok) ? 'pass' : 'thresholds failed';
}

/** The load-test part of the summary: the driver's own numbers, the fault timeline and the verdict. */
export function formatLoadSummary(r: RunResult, thresholds: readonly ThresholdOutcome[]): string {
  const x = r.extensions as {
    droppedArrivals: number;
    lateArrivals: number;
    maxArrivalLagMs: number;
    statusPolls: number;
    driverCpu: { userMs: number; systemMs: number; cores: number };
    faultEvents: {
      atSec: number;
      kind: string;
      target: string;
      action: string;
      ok: boolean;
      detail?: string;
    }[];
  };
  const out: string[] = [''];
  out.push(
    `driver      dropped arrivals ${x.droppedArrivals}, late ${x.lateArrivals}, max lag ${x.maxArrivalLagMs} ms, ` +
      `status polls ${x.statusPolls}, CPU ${(x.driverCpu.cores * 100).toFixed(1)} % of a core`,
  );
  if (x.faultEvents.length) {
    out.push('faults');
    for (const e of x.faultEvents)
      out.push(
        `  ${e.atSec.toFixed(1).padStart(7)} s  ${e.action.padEnd(5)} ${e.kind.padEnd(18)} ${e.target}  ${e.ok ? 'ok' : `FAILED ${e.detail ?? ''}`}`,
      );
  }
  if (thresholds.length) {
    out.push('thresholds');
    for (const t of thresholds) {
      const actual =
        t.actual === null ? 'no data' : t.metric === 'successRate' ? t.actual.toFixed(4) : String(t.actual);
      out.push(
        `  ${t.ok ? 'ok  ' : 'FAIL'} ${t.scope.padEnd(8)} ${t.metric.padEnd(16)} ${t.condition.padEnd(9)} actual ${actual}`,
      );
    }
  } else out.push('thresholds  none in the scenario');
  const failed = thresholds.filter((t) => !t.ok);
  const broken = r.invariants.filter((i) => !i.ok);
  out.push(
    broken.length
      ? `verdict     FAIL: invariant ${broken.map((i) => i.name).join(', ')} broken`
      : failed.length
        ? `verdict     FAIL: ${failed.map((t) => `${t.scope} ${t.metric} ${t.condition}`).join('; ')}`
        : 'verdict     PASS',
  );
  return out.join('\n');
}
