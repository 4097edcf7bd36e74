import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { runLive, type LiveTargets } from '../../../../libs/runtime/src/run-live';
import { isRunTopic } from '../../../../libs/runtime/src/live/run-scoped-bus';
import { loadScenario, type RunResult, type Scenario } from '../../../../libs/scenarios/src';
import { liveTargets, repoRoot, stackStatus } from '../stack/stack';
import { readState } from '../stack/stack-state';

/** The live-mode issue's aims: stop rising once either is broken. */
export const LIVE_LIMITS = { p99Ms: 250, successRatio: 0.995 } as const;

export interface LiveStep {
  readonly ratePerSec: number;
  readonly offered: number;
  readonly completedPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Payments answered and not failed by the system (business declines are correct answers). */
  readonly success: number;
  readonly technicalDeclines: number;
  readonly businessDeclines: number;
  readonly unanswered: number;
  readonly invariantsOk: boolean;
  /** Share of one core over the load window, per process (stack processes, Kafka, Redis, this generator). */
  readonly cpuPercent: Record<string, number>;
  /** Highest total lag per consumer group seen during the load window (messages). */
  readonly maxConsumerLag: Record<string, number>;
  readonly withinLimits: boolean;
}

export interface LiveBench {
  readonly scenario: string;
  readonly scale: number;
  readonly stepSec: number;
  readonly steps: LiveStep[];
  /** Highest step rate with p99 under the limit, success at or above it and every invariant ok. */
  readonly sustainedPerSec: number | null;
}

export interface LiveBenchOptions {
  readonly rates: readonly number[];
  readonly stepSec: number;
  readonly progress: (msg: string) => void;
  /** Keep rising after a step breaks the limits (to see where the stack saturates). Default false. */
  readonly all?: boolean;
}

/**
 * Rising-rate measurement of the live stack `upi-lab stack up` started: each step offers the stack's
 * scenario flat at one rate (no faults: the bench measures the software, not a fault drill) and runs
 * its invariants; it stops after the first step that breaks p99 < 250 ms or success ≥ 99.5 %.
 * Capacities stay the stack's (its scenario's scale), so start the stack at a scale whose modelled
 * banks and switch are not the limit.
 */
export async function runLiveBench(o: LiveBenchOptions): Promise<LiveBench> {
  const state = readState(repoRoot());
  if (!state) throw new Error('no live stack: run `upi-lab stack up --scenario FILE` first');
  const base = loadScenario(state.scenario);
  const targets = liveTargets(state);
  const pids = await stackPids();
  const kafka = new Kafka({
    clientId: 'upi-bench',
    brokers: [state.infra.kafka.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const steps: LiveStep[] = [];
  try {
    for (const rate of o.rates) {
      o.progress(`${rate}/s for ${o.stepSec} s`);
      const scenario = flatAt(base, rate, o.stepSec);
      const cpu0 = cpuTicks(pids);
      const t0 = Date.now();
      let cpu1: Map<string, number> | null = null;
      let t1 = 0;
      const lag: Record<string, number> = {};
      const sampler = setInterval(() => {
        void groupLags(admin, targets).then(
          (l) => {
            for (const [g, n] of Object.entries(l)) lag[g] = Math.max(lag[g] ?? 0, n);
          },
          () => undefined,
        );
      }, 2000);
      const result = await runLive(scenario, {
        targets,
        drainMs: 10_000,
        onProgress: (p) => {
          if (p.phase !== 'load' || cpu1 || p.elapsedSec < o.stepSec) return;
          cpu1 = cpuTicks(pids); // the load window only, not the drain
          t1 = Date.now();
          clearInterval(sampler);
        },
      });
      clearInterval(sampler);
      const end = cpu1 ?? cpuTicks(pids);
      const step = stepOf(rate, result, cpuShare(cpu0, end, (t1 || Date.now()) - t0), lag);
      steps.push(step);
      o.progress(
        `${rate}/s: ${step.completedPerSec}/s completed, p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms, ` +
          `success ${(step.success * 100).toFixed(2)} %, invariants ${step.invariantsOk ? 'ok' : 'FAILED'}, ` +
          `cpu ${JSON.stringify(step.cpuPercent)}`,
      );
      if (!step.invariantsOk || (!step.withinLimits && !o.all)) break;
    }
  } finally {
    await admin.disconnect();
  }
  const ok = steps.filter((s) => s.withinLimits);
  return {
    scenario: state.scenario,
    scale: base.scale,
    stepSec: o.stepSec,
    steps,
    sustainedPerSec: ok.length ? Math.max(...ok.map((s) => s.ratePerSec)) : null,
  };
}

/** The stack's scenario at one flat rate (after scale), without faults. */
function flatAt(base: Scenario, ratePerSec: number, sec: number): Scenario {
  const tps = ratePerSec / base.scale;
  return {
    ...base,
    durationSec: sec,
    traffic: { ...base.traffic, tpsCurve: [{ t: 0, tps }] },
    faults: [],
  };
}

function stepOf(
  rate: number,
  r: RunResult,
  cpuPercent: Record<string, number>,
  lag: Record<string, number>,
): LiveStep {
  const overall = r.latencyMs.overall;
  const ext = r.extensions as { rejected?: number } | undefined;
  const pending = r.outcomes.byStatus.PENDING ?? 0;
  const unanswered = pending + (ext?.rejected ?? 0);
  const failed = r.outcomes.technicalDeclines + unanswered;
  const success = r.offered > 0 ? 1 - failed / r.offered : 0;
  const invariantsOk = r.invariants.every((i) => i.ok);
  return {
    ratePerSec: rate,
    offered: r.offered,
    completedPerSec: r.throughputTps,
    p50Ms: overall.p50,
    p99Ms: overall.p99,
    success: Math.round(success * 1e5) / 1e5,
    technicalDeclines: r.outcomes.technicalDeclines,
    businessDeclines: r.outcomes.businessDeclines,
    unanswered,
    invariantsOk,
    cpuPercent,
    maxConsumerLag: lag,
    withinLimits: invariantsOk && overall.p99 < LIVE_LIMITS.p99Ms && success >= LIVE_LIMITS.successRatio,
  };
}

/** Every stack process, Kafka and Redis included, by name. */
async function stackPids(): Promise<Map<string, number>> {
  const { components } = await stackStatus();
  const out = new Map<string, number>();
  for (const c of components) if (c.pid !== null) out.set(c.name, c.pid);
  return out;
}

/** utime + stime (clock ticks) per process, from /proc/<pid>/stat; the generator is this process. */
function cpuTicks(pids: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, pid] of pids) {
    try {
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, Number(f[11]) + Number(f[12]));
    } catch {
      // gone: left out
    }
  }
  const self = process.cpuUsage();
  out.set('generator', ((self.user + self.system) / 1e6) * 100);
  return out;
}

function cpuShare(a: Map<string, number>, b: Map<string, number>, ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of b) {
    const t0 = a.get(name);
    // Ticks are 1/100 s (USER_HZ on Linux); the generator's figure is converted to ticks above.
    if (t0 !== undefined) out[name] = Math.round(((t - t0) / 100 / (ms / 1000)) * 1000) / 10;
  }
  return out;
}

/** Total lag (end offset − committed) of each consumer group of the run, reply groups included. */
async function groupLags(admin: ReturnType<Kafka['admin']>, t: LiveTargets): Promise<Record<string, number>> {
  const { groups } = await admin.listGroups();
  // A reply group is named as its topic; any other is `<group>@<topic>` (kafkaGroupId).
  const ours = groups
    .map(({ groupId }) => ({
      groupId,
      topic: groupId.startsWith('_reply.') ? groupId : groupId.slice(groupId.indexOf('@') + 1),
    }))
    .filter(({ topic }) => isRunTopic(t.runId, topic));
  const out: Record<string, number> = {};
  await Promise.all(
    ours.map(async ({ groupId, topic }) => {
      const [committed, ends] = await Promise.all([
        admin.fetchOffsets({ groupId, topics: [topic] }),
        admin.fetchTopicOffsets(topic),
      ]);
      let lag = 0;
      for (const p of committed[0]?.partitions ?? []) {
        const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
        if (Number(p.offset) >= 0) lag += Math.max(0, end - Number(p.offset));
      }
      out[groupId] = lag;
    }),
  );
  return out;
}
