import { isResponseCode, RESPONSE_CODES } from '../../domain/src';
import type { RunResult, Scenario } from '../../scenarios/src';
import { runScenario, type RunProgress } from '../../runtime/src/run-scenario';
import { virtualClock } from '../../runtime/src/clocks';
import { DEFAULT_SIM_MODEL, type SimModel } from './sim-model';
import { serversFor, SimNetwork } from './sim-network';

export interface SimulateOptions {
  /** Service-time model (a calibrated model file); default DEFAULT_SIM_MODEL. */
  readonly model?: SimModel;
  readonly onProgress?: (p: RunProgress) => void;
  readonly drainMs?: number;
  /**
   * Run the switch as real Raft replicas (libs/raft, in-process network): 3 or 5. Default: the
   * scenario's replicas when it kills the leader (`switch-leader-kill`), else one node.
   */
  readonly raftReplicas?: number;
  /** How long settled payments are kept (run-clock ms); default the runtime's SETTLED_RETENTION_MS. */
  readonly retentionMs?: number;
}

/** A simulated result's `startedAt`: the virtual clock's origin, so a seed gives the same bytes. */
export const SIMULATED_STARTED_AT = '1970-01-01T00:00:00.000Z';

/**
 * Runs the scenario's real cores (PSP, switch, banks, clearing, breakers) on a virtual clock, with
 * the model's service times and the scenario's network: the common result, mode `simulated`.
 */
export async function simulate(scenario: Scenario, opts: SimulateOptions = {}): Promise<RunResult> {
  const model = opts.model ?? DEFAULT_SIM_MODEL;
  const prepared = applyModel(scenario, model);
  const network = new SimNetwork(prepared, model);
  const clock = virtualClock();
  // Technical declines per second of the run: the planner's SLO counts only those as failures.
  const technicalPerSec: number[] = [];
  const result = await runScenario(prepared, {
    clock,
    mode: 'simulated',
    onAnswer: (_offeredAt, answeredAt, _category, a) => {
      if (a.code === null || !isResponseCode(a.code) || RESPONSE_CODES[a.code].kind !== 'TD') return;
      const t = Math.max(0, Math.floor(answeredAt / 1000));
      while (technicalPerSec.length <= t) technicalPerSec.push(0);
      technicalPerSec[t]!++;
    },
    busLinkLatencyMs: network.link,
    onStarted: (system, t0) => network.start(system, clock.timers, t0),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.drainMs !== undefined ? { drainMs: opts.drainMs } : {}),
    ...(opts.raftReplicas !== undefined ? { switchReplicas: opts.raftReplicas } : {}),
    ...(opts.retentionMs !== undefined ? { retentionMs: opts.retentionMs } : {}),
  });
  return {
    ...result,
    startedAt: SIMULATED_STARTED_AT,
    extensions: {
      ...result.extensions,
      sim: {
        model,
        switchStage: prepared.topology.switch.stage,
        network: network.log,
        technicalPerSec,
        events: clock.timers.firedCount,
      },
    },
  };
}

/**
 * The scenario as the simulator runs it: the model's switch and bank service times in place of the
 * file's, and, when the network names switch replicas, the stage sized to their serving capacity.
 */
export function applyModel(scenario: Scenario, model: SimModel): Scenario {
  const s = structuredClone(scenario) as Mutable<Scenario>;
  const stage = s.topology.switch.stage as Mutable<Scenario['topology']['switch']['stage']>;
  if (model.switch?.fixedMs !== undefined) stage.fixedMs = model.switch.fixedMs;
  if (model.switch?.perTxnMs !== undefined) stage.perTxnMs = model.switch.perTxnMs;
  const f = model.bank?.latencyFactor ?? 1;
  const extra = model.bank?.extraMs ?? 0;
  if (f !== 1 || extra !== 0)
    for (const b of s.topology.banks as Mutable<Scenario['topology']['banks'][number]>[])
      b.latencyMs = { p50: b.latencyMs.p50 * f + extra, p99: b.latencyMs.p99 * f + extra };
  const replicas = s.network?.switchReplicas ?? [];
  if (replicas.length > 0) {
    const serving = replicas
      .filter((r, i) => (r.state ?? (i === 0 ? 'serving' : 'standby')) === 'serving')
      .reduce((a, r) => a + r.capacityTps, 0);
    stage.servers = serversFor(s, serving);
  }
  if (scenario.source !== undefined)
    Object.defineProperty(s, 'source', { value: scenario.source, enumerable: false });
  return s;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
