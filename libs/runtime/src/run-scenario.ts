import {
  CLASS_INFO,
  Random,
  UPI_TIMEOUTS_MS,
  type Category,
  type ReqChkTxn,
  type RespPay,
  type Timers,
} from '../../domain/src';
import { parseBreakerStrategy } from '../../resilience/src';
import { TOPICS } from '../../transport/src/topics';
import {
  buildTopology,
  bankFaultAt,
  bankFaultState,
  faultTimeline,
  TrafficGenerator,
  type Arrival,
  type Fault,
  type RunMode,
  type RunResult,
  type Scenario,
} from '../../scenarios/src';
import { EmbeddedSystem, type EmbeddedOptions } from './embedded-system';
import { readBackAndCheck } from './system-invariants';
import { SETTLED_RETENTION_MS } from './retention';
import { embeddedMetrics } from './metrics-hooks';
import type { LabMetrics } from '../../metrics/src';
import { driveArrivals } from './traffic-driver';
import { RunRecorder, type Answer, type RunProgress } from './run-recorder';

export type { RunProgress } from './run-recorder';

/** How a run passes time: the wall clock (embedded) or a virtual clock (simulated and tests). */
export interface RunClock {
  readonly timers: Timers;
  /** Resolves once the clock has reached `atMs`. */
  waitUntil(atMs: number): Promise<void>;
  /** Called as the run starts; the function it returns, as it ends (a virtual clock installs itself globally). */
  enter?(): () => void;
}

export interface RunOptions {
  readonly clock: RunClock;
  readonly mode: RunMode;
  readonly onProgress?: (p: RunProgress) => void;
  /** Told of every final answer (times relative to the run's start), e.g. for latency of successes alone. */
  readonly onAnswer?: (offeredAtMs: number, answeredAtMs: number, category: Category, answer: Answer) => void;
  /** How long after the curve ends in-flight payments may take to finish (run-clock ms). */
  readonly drainMs?: number;
  /** Exports the run's metrics into these (as `upi-lab serve` does): for the scrape bench and tests. */
  readonly metrics?: LabMetrics;
  /** Modelled per-message network latency on the in-memory bus (the simulator's regions). */
  readonly busLinkLatencyMs?: EmbeddedOptions['busLinkLatencyMs'];
  /** Called once the system is up, before any load (the simulator schedules its network timeline here). */
  readonly onStarted?: (system: EmbeddedSystem, t0: number) => void;
  /** Switch replicas on Raft (3 or 5); default 3 when the scenario kills the leader, else one node. */
  readonly switchReplicas?: number;
  /**
   * How long settled payments are kept before they are folded into the invariant checks and
   * dropped (run-clock ms; default SETTLED_RETENTION_MS, see retention.ts; Infinity keeps all).
   */
  readonly retentionMs?: number;
}

/**
 * Runs a scenario against the embedded system: offers the open-model traffic on the run clock,
 * injects the fault timeline, drains, then reads money and settlement back and checks the
 * invariants. Returns the common result shape.
 */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const exit = opts.clock.enter?.();
  try {
    return await runOnClock(scenario, opts);
  } finally {
    exit?.();
  }
}

async function runOnClock(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const { timers } = opts.clock;
  const startedAt = new Date().toISOString();
  const topology = buildTopology(scenario);
  const recorder = new RunRecorder(opts.onAnswer);
  const t0 = timers.now();
  const rel = () => timers.now() - t0;

  // Requests answered 202 PENDING wait here for the switch's outcome.
  const awaiting = new Map<string, { offeredAt: number; category: Category }[]>();
  let unanswered = 0;
  const switchReplicas =
    opts.switchReplicas ?? (scenario.faults.some((f) => f.kind === 'switch-leader-kill') ? 3 : 1);
  const wired = opts.metrics ? embeddedMetrics(opts.metrics) : null;
  const system = await EmbeddedSystem.start({
    scenario,
    topology,
    timers,
    switchReplicas,
    onOutcome: (e) => {
      const waiting = awaiting.get(e.req.txnId);
      if (!waiting) return;
      awaiting.delete(e.req.txnId);
      for (const w of waiting) {
        recorder.answer(w.offeredAt, rel(), w.category, { status: e.status, code: e.code });
        unanswered--;
      }
    },
    ...(opts.busLinkLatencyMs ? { busLinkLatencyMs: opts.busLinkLatencyMs } : {}),
    ...(wired ? { observePayments: wired.observePayments, resilienceMetrics: wired.resilienceMetrics } : {}),
    // Batch sizes per second for the result's timeline (the comparison report charts them).
    switchObserver: {
      ...wired?.switchObserver,
      batch: (n) => {
        recorder.batchServed(rel(), n);
        wired?.switchObserver?.batch?.(n);
      },
    },
  });
  wired?.watch(system);
  opts.onStarted?.(system, t0);

  const offer = (a: Arrival): void => {
    recorder.offer(a.atMs);
    unanswered++;
    const offeredAt = rel();
    system.psp.pay(a.idempotencyKey, a.body).then(
      (res) => {
        const body = res.body as Partial<RespPay> & { txnId?: string; status?: string };
        if (res.httpStatus === 200) {
          recorder.answer(offeredAt, rel(), a.body.category, {
            status: body.status as RespPay['status'],
            code: body.code ?? null,
          });
          unanswered--;
        } else if (res.httpStatus === 202 && body.txnId) {
          const known = system.switchStatus(body.txnId);
          if (known.status !== 'PENDING' && known.status !== 'UNKNOWN') {
            recorder.answer(offeredAt, rel(), a.body.category, { status: known.status, code: known.code });
            unanswered--;
          } else {
            const list = awaiting.get(body.txnId) ?? [];
            list.push({ offeredAt, category: a.body.category });
            awaiting.set(body.txnId, list);
          }
        } else {
          recorder.reject();
          unanswered--;
        }
      },
      () => {
        recorder.reject();
        unanswered--;
      },
    );
  };

  driveArrivals(new TrafficGenerator(scenario, topology), timers, rel, offer);
  scheduleFaults(faultTimeline(scenario), system, timers, rel());
  scheduleSwitchKills(scenario, system, timers, rel());
  const storm = scheduleStatusStorm(scenario, system, timers, rel());

  const durationMs = scenario.durationSec * 1000;
  const retentionMs = opts.retentionMs ?? SETTLED_RETENTION_MS;
  const evict = () => {
    if (retentionMs !== Infinity) system.evictSettled(timers.now(), retentionMs);
  };
  const report = (phase: RunProgress['phase']) =>
    opts.onProgress?.(recorder.progress(phase, Math.min(rel(), durationMs), scenario.durationSec));
  for (let t = 1000; t <= durationMs; t += 1000) {
    await opts.clock.waitUntil(t0 + t);
    recorder.queueDepth(t - 1, system.switchNode.stageStats().queued);
    evict();
    report('load');
  }

  // System-initiated payments still held for a peak window will not be released within this run.
  const abandoned = system.switchNode.abandonHeld();
  // Drain: let in-flight payments, phase two and deemed credits finish.
  const drainMs =
    opts.drainMs ?? Math.max(30_000, 4 * (topology.switch.debitTimeoutMs + topology.switch.creditTimeoutMs));
  const drainEnd = durationMs + drainMs;
  // Between leaders nobody coordinates: the payments the replicas hold wait for the next one.
  const settling = () => system.switchNode.active > 0 || (system.switches?.leaderless ?? false);
  while (rel() < drainEnd && (unanswered > 0 || settling())) {
    await opts.clock.waitUntil(t0 + Math.min(drainEnd, rel() + 100));
    recorder.queueDepth(rel(), system.switchNode.stageStats().queued);
    evict();
    report('drain');
  }
  for (let i = 0; i < unanswered; i++) recorder.pending();
  const endSec = rel() / 1000;
  await system.stop();

  // Read money and settlement back, then check the invariants.
  const { summary, payments, deemedResolutions, netPositions, settlementSum, invariants } =
    await readBackAndCheck(system, topology);

  return {
    schemaVersion: 1,
    scenario: { name: scenario.name, file: scenario.source ?? null, scale: scenario.scale },
    mode: opts.mode,
    strategies: {
      scheduling: scenario.strategies.scheduling,
      batch: { policy: scenario.strategies.batch.policy, size: scenario.strategies.batch.size },
      breaker: parseBreakerStrategy(scenario.strategies.breaker).policy,
    },
    seed: scenario.seed,
    startedAt,
    durationSec: scenario.durationSec,
    ...recorder.summary(scenario.durationSec),
    money: {
      openingPaise: summary.openingPaise,
      closingPaise: summary.availablePaise + summary.heldPaise,
      heldPaise: summary.heldPaise,
      conserved:
        summary.availablePaise + summary.heldPaise === summary.openingPaise && summary.heldPaise === 0,
    },
    settlement: {
      cycles: system.clearing.reports().map((r) => ({
        cycle: r.cycle,
        closedAtSec: round3((r.closedAt - t0) / 1000),
        entries: r.entries,
        netPositions: r.netPositions,
        sum: r.sum,
      })),
      netPositions,
      sum: settlementSum,
    },
    invariants,
    extensions: {
      rejected: recorder.rejected,
      drainedAtSec: round3(endSec),
      payments,
      deemedResolutions,
      banks: system.banks.allStats(),
      switchStage: system.switchNode.stageStats(),
      ...(system.switches
        ? {
            switchReplicas: {
              replicas: system.switches.replicas.length,
              // Who won each election, and where: with regions, the switch's place on the bus follows it.
              leaders: system.switches.leaderships.map((l) => ({
                id: l.id,
                region: system.switches!.replicas[l.id - 1]!.region,
                atMs: l.atMs - t0,
              })),
              failovers: system.switches.failovers().map((f) => ({ ...f, atMs: f.atMs - t0 })),
            },
          }
        : {}),
      statusChecks: { ...system.switchNode.counters, stormSent: storm.sent, abandonedHeld: abandoned },
      classes: Object.fromEntries(Object.values(CLASS_INFO).map((c) => [c.category, c.priority])),
    },
  };
}

/** `switch-leader-kill`: the leader replica stops at `atSec` and restarts `durationSec` later. */
function scheduleSwitchKills(
  scenario: Scenario,
  system: EmbeddedSystem,
  timers: Timers,
  elapsedMs: number,
): void {
  const group = system.switches;
  for (const f of scenario.faults) {
    if (f.kind !== 'switch-leader-kill') continue;
    if (!group) throw new Error('a switch-leader-kill fault needs switch replicas (switchReplicas >= 3)');
    timers.setTimer(f.atSec * 1000 - elapsedMs, () => {
      void group.killLeader().then((id) => {
        if (id === null) return;
        timers.setTimer(f.durationSec * 1000, () => void group.restart(id));
      });
    });
  }
}

function scheduleFaults(
  timeline: readonly Fault[],
  system: EmbeddedSystem,
  timers: Timers,
  elapsedMs: number,
): void {
  // At each start and end, the bank takes the fault in force then (overlapping faults nest).
  for (const f of timeline) {
    for (const at of [f.atMs, f.untilMs]) {
      timers.setTimer(at - elapsedMs, () => {
        const now = bankFaultAt(timeline, f.bank, at);
        system.banks.setFault(f.bank, now ? bankFaultState(now) : null);
      });
    }
  }
}

/**
 * The "banks re-poll old transactions" storm NPCI blamed for the spring 2025 outages: status
 * checks for random earlier payments, sent straight to the switch at the scenario's rate. The
 * payments are picked among those the switch still holds (settled ones past the retention window
 * are evicted).
 */
function scheduleStatusStorm(
  scenario: Scenario,
  system: EmbeddedSystem,
  timers: Timers,
  elapsedMs: number,
): { sent: number } {
  const storm = scenario.traffic.statusCheckStorm;
  const state = { sent: 0 };
  if (!storm) return state;
  const rng = new Random(scenario.seed).fork('status-storm');
  const meanGapMs = 1000 / (storm.ratePerSec * scenario.scale);
  const endMs = (storm.atSec + storm.durationSec) * 1000;
  let at = storm.atSec * 1000;
  const next = (): void => {
    at += rng.exponential(meanGapMs);
    if (at >= endMs) return;
    timers.setTimer(at - (timers.now() - t0), fire);
  };
  const t0 = timers.now() - elapsedMs;
  const fire = (): void => {
    const n = system.switchNode.registered;
    if (n > 0) {
      const txnId = system.switchNode.entryAt(rng.int(n))!.req.txnId;
      state.sent++;
      const check: ReqChkTxn = { type: 'ReqChkTxn', txnId, pspId: 'BANK-REPOLL' };
      system.bus.request(TOPICS.chkTxn, txnId, check, UPI_TIMEOUTS_MS.checkStatus).catch(() => undefined);
    }
    next();
  };
  next();
  return state;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
