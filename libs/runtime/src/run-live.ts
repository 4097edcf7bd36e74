import { Pool } from 'undici';
import { CLASS_INFO, type Category, type TxnStatus } from '../../domain/src';
import type { RecordState } from '../../ledger/src/ledger-store';
import { RedisLedger } from '../../ledger/src/redis-ledger';
import {
  buildTopology,
  faultTimeline,
  serviceFaultTimeline,
  TrafficGenerator,
  type Arrival,
  type CurveSegment,
  type RunResult,
  type Scenario,
} from '../../scenarios/src';
import type { InvariantCheck } from '../../scenarios/src/result';
import type { Topology } from '../../scenarios/src/topology';
import type { TxnEntry } from '../../switch/src/txn-registry';
import { ArrivalGate, mergeGateStats } from './arrival-gate';
import { wallClock } from './clocks';
import { FaultInjector } from './fault-injector';
import { announceRunClock, untilCommitted } from './live/run-clock';
import { checkAgainstTopology } from './system-invariants';
import { runKeys } from './live/env';
import { RunRecorder } from './run-recorder';
import type { RunProgress } from './run-scenario';
import { driveArrivals } from './traffic-driver';

/** Where the live stack's pieces are (from `.state/stack/stack.json`, or given by hand). */
export interface LiveTargets {
  /** The first PSP instance (named in the result as `target`). */
  readonly pspUrl: string;
  /**
   * Every PSP instance to spread the load over (round-robin); default `[pspUrl]`. A client retry goes
   * to the instance after the original's, so the shared Redis idempotency records are what recognise it.
   */
  readonly pspUrls?: readonly string[];
  readonly switchUrl: string;
  /** Every switch replica (the run's start is announced to each; `switch-leader-kill`); default `[switchUrl]`. */
  readonly switchUrls?: readonly string[];
  readonly clearingUrl: string;
  /** Bank processes and the banks each hosts (for the fault timeline). */
  readonly banks: readonly { readonly url: string; readonly banks: readonly string[] }[];
  readonly redisUrl: string;
  readonly runId: string;
  readonly adminToken?: string;
  /** Starts a killed switch replica again (see FaultTargets); the stack's targets have it. */
  readonly restartSwitch?: (url: string) => Promise<void>;
}

export interface LiveRunOptions {
  readonly targets: LiveTargets;
  readonly onProgress?: (p: RunProgress) => void;
  /** How long after the curve ends in-flight payments may take to finish (ms). */
  readonly drainMs?: number;
  /**
   * Keep-alive connections to the PSP. Default: enough for the scenario's peak rate with every
   * request held for the PSP's full answer wait (at least 64). With fewer, the driver itself becomes
   * a closed loop (connections ÷ latency) and queues payments client-side.
   */
  readonly connections?: number;
  /** How often a 202 PENDING payment is polled on the PSP (ms). Default 250. */
  readonly pollMs?: number;
  /**
   * How long the read-back may retry after the drain (ms): settlement reaches clearing
   * asynchronously, and a component that is restarting (e.g. clearing rejoining its group) does not
   * answer for a while. Default 10 000.
   */
  readonly readBackMs?: number;
  /** The rate to follow instead of the scenario's curve (scaled), e.g. a replay; see TrafficOptions. */
  readonly segments?: readonly CurveSegment[];
  /**
   * Bound the wait for a free connection: an arrival not sent within `maxLagMs` of its time is
   * dropped and counted (extensions.droppedArrivals). Without it, arrivals queue without bound.
   */
  readonly admission?: { readonly maxLagMs: number };
  /**
   * How 202 PENDING payments are polled: the first poll `firstAfterMs` after the answer, then every
   * `everyMs`, at most `maxPolls` (then counted PENDING). Default: every `pollMs`, unbounded.
   */
  readonly statusPoll?: {
    readonly firstAfterMs: number;
    readonly everyMs: number;
    readonly maxPolls: number;
  };
  /** Called for every arrival the curve asks for, sent or dropped (per-class tallies). */
  readonly onArrival?: (a: Arrival) => void;
  /** Called for every final answer (SUCCESS, DECLINED, DEEMED). */
  readonly onAnswer?: (category: Category, status: TxnStatus, code: string | null, latencyMs: number) => void;
}

interface SwitchExport {
  readonly coordinatorActive: number;
  readonly entries: TxnEntry[];
}
interface ClearingCycles {
  readonly cycles: {
    cycle: number;
    closedAt: number;
    entries: number;
    netPositions: Record<string, number>;
    sum: number;
  }[];
}

const FINAL: ReadonlySet<string> = new Set<TxnStatus>(['SUCCESS', 'DECLINED', 'DEEMED']);

/**
 * Drives a scenario against the live stack over HTTP (open model on the wall clock, the embedded
 * runner's TrafficGenerator and RunRecorder), then reads money back from Redis, payments from the
 * switch and settlement from clearing, and runs the same invariants. Same result shape, mode 'live'.
 */
export async function runLive(scenario: Scenario, opts: LiveRunOptions): Promise<RunResult> {
  const t = opts.targets;
  const { timers } = wallClock();
  const startedAt = new Date().toISOString();
  const startedAtEpoch = Date.now();
  const topology = buildTopology(scenario);
  const recorder = new RunRecorder(
    opts.onAnswer
      ? (offeredAt, answeredAt, category, a) =>
          opts.onAnswer!(category, a.status, a.code, answeredAt - offeredAt)
      : undefined,
  );
  const t0 = timers.now();
  const rel = () => timers.now() - t0;
  const pollMs = opts.pollMs ?? 250;
  const urls = t.pspUrls?.length ? t.pspUrls : [t.pspUrl];
  // Each instance gets its share of the connections the peak rate needs (64 at least).
  const perPool = Math.max(
    64,
    Math.ceil((opts.connections ?? driverConnections(scenario, topology.switch.pspWaitMs)) / urls.length),
  );
  const psps = urls.map((url) => ({
    url,
    pool: new Pool(url, { connections: perPool, keepAliveTimeout: 30_000 }),
    stats: { offered: 0, answered: 0, failed: 0, throttled: 0, replayed: 0, retries: 0 },
  }));
  const route = retryRouter(psps.length, scenario.traffic.retryDelayMs.max + 1000, rel);
  let unanswered = 0;
  let pollsUnresolved = 0;
  let statusPolls = 0;
  const sp = opts.statusPoll;
  const pollDelay = (n: number) => (sp ? (n === 0 ? sp.firstAfterMs : sp.everyMs) : pollMs);
  const drainMs =
    opts.drainMs ??
    Math.max(
      30_000,
      4 * (topology.switch.debitTimeoutMs + topology.switch.creditTimeoutMs),
      // Long enough for a late 202's whole poll schedule.
      sp ? topology.switch.pspWaitMs + sp.firstAfterMs + sp.everyMs * (sp.maxPolls - 1) + 5000 : 0,
    );
  const durationMs = scenario.durationSec * 1000;

  const done = (offeredAt: number, category: Category, status: TxnStatus, code: string | null) => {
    recorder.answer(offeredAt, rel(), category, { status, code });
    unanswered--;
  };
  const failed = () => {
    recorder.reject();
    unanswered--;
  };

  /**
   * Polls a 202 PENDING payment on `at`, the instance that answered. A PSP's GET knows only the
   * payments it sent itself (its records are in memory; Redis holds the answers, keyed by
   * Idempotency-Key), so a 404 — a retry answered "in flight" by an instance that is not the owner,
   * or an instance restarted since — moves the poll to the next instance, and so does an instance
   * that keeps refusing connections. When a whole round of instances has said "not mine", the
   * outcome cannot be learnt any more (its owner is gone): failed.
   */
  const poll = (
    txnId: string,
    offeredAt: number,
    category: Category,
    at: number,
    misses = 0,
    errors = 0,
    polls = 0,
  ): void => {
    if (sp && polls >= sp.maxPolls) return; // its allowance is spent: counted as pending at the end
    timers.setTimer(pollDelay(polls), () => {
      if (rel() > durationMs + drainMs) return; // counted as pending at the end
      statusPolls++;
      polls++;
      const next = (missed: number) => {
        if (missed >= psps.length) {
          pollsUnresolved++;
          failed();
        } else poll(txnId, offeredAt, category, (at + 1) % psps.length, missed, 0, polls);
      };
      getJson<{ status?: string; code?: string | null }>(
        psps[at]!.pool,
        `/v1/payments/${encodeURIComponent(txnId)}`,
      ).then(
        (s) => {
          if (s.status === 404) next(misses + 1);
          else if (s.body.status && FINAL.has(s.body.status))
            done(offeredAt, category, s.body.status as TxnStatus, s.body.code ?? null);
          else poll(txnId, offeredAt, category, at, 0, 0, polls);
        },
        // A transient error is retried on the same instance; three in a row count as "not mine".
        () =>
          errors >= 2 ? next(misses + 1) : poll(txnId, offeredAt, category, at, misses, errors + 1, polls),
      );
    });
  };

  const offer = (a: Arrival, at: number, release: () => void): void => {
    recorder.offer(a.atMs);
    unanswered++;
    const offeredAt = rel();
    const category = a.body.category;
    const target = psps[at]!;
    target.stats.offered++;
    if (a.retryOfKey !== undefined) target.stats.retries++;
    target.pool
      .request({
        method: 'POST',
        path: '/v1/payments',
        headers: { 'content-type': 'application/json', 'idempotency-key': a.idempotencyKey },
        body: JSON.stringify(a.body),
      })
      .then(async (res) => {
        const body = (await res.body.json().finally(release)) as {
          status?: string;
          code?: string | null;
          txnId?: string;
        };
        if (res.headers['idempotent-replayed'] === 'true') target.stats.replayed++;
        if (res.statusCode === 200 && body.status && FINAL.has(body.status)) {
          target.stats.answered++;
          done(offeredAt, category, body.status as TxnStatus, body.code ?? null);
        } else if ((res.statusCode === 202 || res.statusCode === 200) && body.txnId) {
          target.stats.answered++;
          poll(body.txnId, offeredAt, category, at);
        } else {
          // 429/503: the PSP refused under (injected) overload; still a failed payment for the client.
          if (res.statusCode === 429 || res.statusCode === 503) target.stats.throttled++;
          target.stats.failed++;
          failed();
        }
      })
      .catch(() => {
        release();
        target.stats.failed++;
        failed();
      });
  };

  // Run-unique Idempotency-Keys: the PSP's Redis store outlives one run.
  const traffic = new TrafficGenerator(scenario, topology, {
    keyPrefix: `${t.runId}-${startedAtEpoch.toString(36)}`,
    ...(opts.segments ? { segments: opts.segments } : {}),
  });
  // One gate per PSP instance, with that instance's connections: an instance that stops answering
  // holds only its own slots, and the arrivals routed to the others keep their times. Without an
  // admission bound a gate never drops (unbounded slots and lag): arrivals queue in the pool.
  const gates = psps.map(
    (_, i) =>
      new ArrivalGate<Arrival>(
        opts.admission
          ? { slots: perPool, maxLagMs: opts.admission.maxLagMs }
          : { slots: Number.POSITIVE_INFINITY, maxLagMs: Number.POSITIVE_INFINITY },
        rel,
        (a, release) => offer(a, i, release),
        (a) => recorder.offer(a.atMs),
      ),
  );
  // The switch processes started before this run: their gate must read the run's time of day.
  const switchUrls = t.switchUrls?.length ? t.switchUrls : [t.switchUrl];
  const announcement = {
    switchUrls,
    adminToken: t.adminToken,
    startedAt: t0,
    startTimeOfDay: scenario.traffic.startTimeOfDay,
  };
  const told = await announceRunClock(announcement);
  for (const a of told.filter((x) => !x.ok))
    console.warn(`run clock not set on ${a.url} (${a.detail ?? ''}): its gate keeps its own time of day`);
  // Committed to the Raft log beside the load when no leader could at once: arrivals do not wait.
  const committed = untilCommitted(announcement, told);
  const cpu0 = process.cpuUsage();
  const driver = driveArrivals(traffic, timers, rel, (a) => {
    opts.onArrival?.(a);
    gates[route(a)]!.offer(a);
  });
  const bankFaults = faultTimeline(scenario);
  const serviceFaults = serviceFaultTimeline(scenario);
  const injector = new FaultInjector(
    {
      pspUrls: urls,
      switchUrls,
      banks: t.banks,
      ...(t.adminToken !== undefined ? { adminToken: t.adminToken } : {}),
      ...(t.restartSwitch ? { restartSwitch: t.restartSwitch } : {}),
    },
    topology,
    scenario.scale,
    rel,
    { banks: bankFaults, services: serviceFaults },
  );
  const faultTimers = [
    ...bankFaults.flatMap((f) => [
      timers.setTimer(f.atMs, () => void injector.bank(f, true)),
      timers.setTimer(f.untilMs, () => void injector.bank(f, false)),
    ]),
    ...serviceFaults.flatMap((f) => [
      timers.setTimer(f.atMs, () => void injector.service(f, true)),
      timers.setTimer(f.untilMs, () => void injector.service(f, false)),
    ]),
  ];

  const report = (phase: RunProgress['phase']) =>
    opts.onProgress?.(recorder.progress(phase, Math.min(rel(), durationMs), scenario.durationSec));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (let s = 1000; s <= durationMs; s += 1000) {
    await sleep(Math.max(0, s - rel()));
    report('load');
  }
  driver.stop();
  const loadCpu = process.cpuUsage(cpu0);
  const loadWallMs = rel();
  for (const g of gates) g.close();
  const admission = mergeGateStats(gates.map((g) => g.stats()));

  // Drain: answers still owed to the generator, and the switch's outstanding 2PC work.
  const drainEnd = durationMs + drainMs;
  let active = Number.POSITIVE_INFINITY;
  while (rel() < drainEnd) {
    try {
      active = (await switchGet<{ coordinatorActive: number }>(t, '/switch/stats')).body.coordinatorActive;
    } catch {
      active = Number.POSITIVE_INFINITY; // switch unreachable (restarting): keep waiting
    }
    if (unanswered === 0 && active === 0) break;
    await sleep(200);
    report('drain');
  }
  for (let i = 0; i < unanswered; i++) recorder.pending();
  const endSec = rel() / 1000;
  for (const h of faultTimers) timers.clearTimer(h);
  timers.clearAll();
  // A fault that outlasts the run (or a run cut short) is undone: the next run gets the stack as it was.
  await injector.clearInForce();
  const runClock = await committed;
  if (switchUrls.length > 1 && !runClock.some((x) => x.replicated))
    console.warn(
      'run clock not in the Raft log (no leader committed it): a switch replica restarted during the run counted from its own start',
    );
  await Promise.all(psps.map((p) => p.pool.close()));

  // Settlement reaches clearing after the switch is done: read back until consistent, or 10 s.
  const ledger = new RedisLedger({ prefix: runKeys(t.runId).ledger, url: t.redisUrl });
  try {
    // Until every invariant holds or the time is up; an unreachable component counts as not yet.
    const until = Date.now() + (opts.readBackMs ?? 10_000);
    let rb: LiveReadBack | null = null;
    for (;;) {
      try {
        rb = await readBackLive(t, topology, ledger);
        if (rb.invariants.every((i) => i.ok)) break;
      } catch (err) {
        if (Date.now() >= until && !rb) throw err;
      }
      if (Date.now() >= until) break;
      await sleep(500);
    }
    if (!rb) throw new Error('read-back failed'); // unreachable: the loop throws or sets it
    const cycles = (await getJson<ClearingCycles>(t.clearingUrl, '/clearing/cycles')).body.cycles;
    const bankStats = await Promise.all(
      t.banks.map(async (b) => (await getJson<{ banks: unknown[] }>(b.url, '/banks')).body.banks),
    );
    return {
      schemaVersion: 1,
      scenario: { name: scenario.name, file: scenario.source ?? null, scale: scenario.scale },
      mode: 'live',
      strategies: { scheduling: scenario.strategies.scheduling, batch: { ...scenario.strategies.batch } },
      seed: scenario.seed,
      startedAt,
      durationSec: scenario.durationSec,
      ...recorder.summary(scenario.durationSec),
      money: {
        openingPaise: rb.summary.openingPaise,
        closingPaise: rb.summary.availablePaise + rb.summary.heldPaise,
        heldPaise: rb.summary.heldPaise,
        conserved:
          rb.summary.availablePaise + rb.summary.heldPaise === rb.summary.openingPaise &&
          rb.summary.heldPaise === 0,
      },
      settlement: {
        // Cycles of this run (clearing's clock is epoch ms on the same host).
        cycles: cycles
          .filter((c) => c.entries > 0 || c.closedAt >= startedAtEpoch)
          .map((c) => ({
            cycle: c.cycle,
            closedAtSec: Math.max(0, Math.round(c.closedAt - startedAtEpoch) / 1000),
            entries: c.entries,
            netPositions: c.netPositions,
            sum: c.sum,
          })),
        netPositions: rb.netPositions,
        sum: rb.settlementSum,
      },
      invariants: rb.invariants,
      extensions: {
        runId: t.runId,
        target: t.pspUrl,
        // Per PSP instance: requests sent, HTTP answers, failures (refused, reset, non-2xx; of them
        // `throttled` were 429/503), answers replayed from the shared idempotency records, and
        // client retries it received.
        psps: psps.map((p) => ({ url: p.url, ...p.stats })),
        pollsUnresolved,
        statusPolls,
        rejected: recorder.rejected,
        // Arrivals the curve asked for but the driver could not send within admission.maxLagMs.
        droppedArrivals: admission.dropped,
        lateArrivals: admission.late,
        maxArrivalLagMs: admission.maxLagMs,
        droppedBySec: admission.droppedBySec,
        faultEvents: injector.events,
        // When the run started and at which time of day, as each switch replica took it.
        runClock: { startedAtMs: t0, startTimeOfDay: scenario.traffic.startTimeOfDay, switches: runClock },
        // The driver's own CPU while offering load (user + system over wall time: 1 = one core).
        driverCpu: {
          userMs: Math.round(loadCpu.user / 1000),
          systemMs: Math.round(loadCpu.system / 1000),
          cores: Math.round(((loadCpu.user + loadCpu.system) / 1000 / Math.max(1, loadWallMs)) * 1000) / 1000,
        },
        drainedAtSec: Math.round(endSec * 1000) / 1000,
        payments: rb.txns.length,
        banks: bankStats.flat(),
        classes: Object.fromEntries(Object.values(CLASS_INFO).map((c) => [c.category, c.priority])),
      },
    };
  } finally {
    await ledger.close();
  }
}

interface LiveReadBack {
  readonly summary: Awaited<ReturnType<RedisLedger['summary']>>;
  readonly txns: readonly TxnEntry[];
  readonly netPositions: Record<string, number>;
  readonly settlementSum: number;
  readonly invariants: InvariantCheck[];
}

/** Money from Redis, payments from the switch, positions from clearing; then the invariants. */
async function readBackLive(t: LiveTargets, topology: Topology, ledger: RedisLedger): Promise<LiveReadBack> {
  const sw = (await switchGet<SwitchExport>(t, '/switch/export')).body;
  const netPositions = (
    await getJson<{ totals: Record<string, number> }>(t.clearingUrl, '/clearing/positions')
  ).body.totals;
  const summary = await ledger.summary();
  const accounts = await ledger.accounts({});
  const records = new Map<string, readonly [RecordState, RecordState]>();
  // ioredis auto-pipelines these: a few round trips for thousands of records.
  const CHUNK = 2000;
  for (let i = 0; i < sw.entries.length; i += CHUNK) {
    const part = sw.entries.slice(i, i + CHUNK);
    const rs = await Promise.all(
      part.map((e) =>
        Promise.all([ledger.record(e.req.txnId, 'DEBIT'), ledger.record(e.req.txnId, 'CREDIT')]),
      ),
    );
    part.forEach((e, j) => records.set(e.req.txnId, rs[j]!));
  }
  const { settlementSum, invariants } = checkAgainstTopology(topology, {
    summary,
    accounts,
    txns: sw.entries,
    records,
    netPositions,
    coordinatorActive: sw.coordinatorActive,
  });
  return { summary, txns: sw.entries, netPositions, settlementSum, invariants };
}

/**
 * Which PSP instance an arrival goes to: fresh payments round-robin; a client retry to the instance
 * after its original's (with several), so it lands where the original's key was not claimed. The
 * original's instance is remembered until its retry could no longer come (`keepMs` after it).
 */
export function retryRouter(
  instances: number,
  keepMs: number,
  now: () => number,
): (a: Pick<Arrival, 'idempotencyKey' | 'retryOfKey'>) => number {
  let rr = 0;
  const origin = new Map<string, { at: number; i: number }>();
  return (a) => {
    if (instances === 1) return 0;
    if (a.retryOfKey !== undefined) {
      const o = origin.get(a.retryOfKey);
      if (o) {
        origin.delete(a.retryOfKey);
        return (o.i + 1) % instances;
      }
    }
    const i = rr++ % instances;
    // Insertion order is age order: drop the entries whose retry window has passed.
    const t = now();
    for (const [k, o] of origin) {
      if (t - o.at <= keepMs) break;
      origin.delete(k);
    }
    origin.set(a.idempotencyKey, { at: t, i });
    return i;
  };
}

/**
 * Connections an open-model driver needs so that it never waits for a free one: peak rate × the
 * longest a PSP holds a request (its answer wait, then 202), with 25 % headroom; 64 at least.
 */
export function driverConnections(scenario: Scenario, pspWaitMs: number): number {
  const peak = Math.max(...scenario.traffic.tpsCurve.map((p) => p.tps)) * scenario.scale;
  return Math.min(4096, Math.max(64, Math.ceil(peak * (pspWaitMs / 1000) * 1.25)));
}

/**
 * A leader-only read from the switch: any live replica answers (a follower redirects to the
 * leader), so one killed replica, or the first one following, does not stop the run.
 */
async function switchGet<T>(t: LiveTargets, path: string): Promise<{ status: number; body: T }> {
  let last: unknown = null;
  for (const url of new Set([t.switchUrl, ...(t.switchUrls ?? [])])) {
    try {
      return await getJson<T>(url, path);
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error(`GET ${path}: no switch replica answered`);
}

async function getJson<T>(base: string | Pool, path: string): Promise<{ status: number; body: T }> {
  if (typeof base === 'string') {
    const r = await fetch(`${base}${path}`);
    if (!r.ok) throw new Error(`GET ${base}${path}: HTTP ${r.status}`);
    return { status: r.status, body: (await r.json()) as T };
  }
  const r = await base.request({ method: 'GET', path });
  const body = (await r.body.json()) as T;
  if (r.statusCode !== 200 && r.statusCode !== 404) throw new Error(`GET ${path}: HTTP ${r.statusCode}`);
  return { status: r.statusCode, body };
}
