import { ExpiryQueue } from '../../collections/src';
import {
  declineKind,
  type BankReq,
  type BankResp,
  type ReqChkTxn,
  type ReqPay,
  type RespChkTxn,
  type RespPay,
  type ResponseCode,
  type SettlementEntry,
  type TimerHandle,
  type Timers,
  type TxnStatus,
} from '../../domain/src';
import {
  BusClosedError,
  type Bus,
  type Envelope,
  type OutMessage,
  type Subscription,
} from '../../transport/src/bus';
import { TOPICS } from '../../transport/src/topics';
import {
  Coordinator,
  type CoordinatorConfig,
  type DecisionRecord,
  type Effects,
  type Outcome,
  type TxnSpec,
} from '../../twopc/src';
import {
  breakerDeclineCode,
  legOutcomeForCode,
  NoAdmissionControl,
  type LegAdmission,
  type LegOutcome,
} from '../../resilience/src';
import {
  StatusCheckLimiter,
  type StatusCheckRules,
  type SwitchStage,
  type SwitchStageModel,
} from '../../scheduling/src';
import { buildStage, type TimeOfDayOrigin, type SwitchStrategies } from './switch-strategies';
import type { DecisionLog } from './decision-log';
import type { SwitchReplication } from './replication';
import type { BankHealth, EarlyOutcome, SwitchCommand } from './switch-command';
import type { SwitchGauges, SwitchObserver } from './switch-observer';
import type { AccountRef, Directory } from './directory';
import { isSettled, TxnRegistry, type EvictionRule, type TxnEntry } from './txn-registry';

export interface SwitchOptions {
  readonly bus: Bus;
  readonly timers: Timers;
  readonly directory: Directory;
  readonly log: DecisionLog;
  readonly coordinator: CoordinatorConfig;
  readonly strategies: SwitchStrategies;
  /** Breakers or adaptive limits per bank (default: none). */
  readonly admission?: LegAdmission;
  /** NPCI's status-check limits (defaults: 3 in 2 h, 90 s apart). */
  readonly statusChecks?: Partial<StatusCheckRules>;
  /** Called when a payment's user-facing outcome is known (for metrics and run summaries). */
  readonly onOutcome?: (entry: TxnEntry) => void;
  /**
   * Raft replication (one of three replicas). Absent: a single node whose decision log is the only
   * durable state (embedded default). Present: the node reads every topic but acts only while it
   * leads, registers payments and early declines through the replicated log, and a new leader
   * recovers every unfinished payment from it (docs/raft.md, "The switch on Raft").
   */
  readonly replication?: SwitchReplication;
  /** Timing hooks for metrics (queue wait, batch size, decision log, bank legs). */
  readonly observer?: SwitchObserver;
  /**
   * How long a PSP waits for ReqPay's answer (the topology's `pspWaitMs`; default 15 s, NPCI's).
   * A new leader answers again only the settled ReqPays read that recently: older ones' PSPs have
   * moved on to status checks.
   */
  readonly answerWaitMs?: number;
}

/** Work waiting in the switch's queue: a payment, or a status check (which costs capacity too). */
type Work =
  | {
      readonly kind: 'pay';
      readonly req: ReqPay;
      readonly at: number;
      /** The accounts behind payer and payee, resolved once on admission. */
      readonly debit: AccountRef;
      readonly credit: AccountRef;
    }
  | { readonly kind: 'chk'; readonly env: Envelope<ReqChkTxn> };

export interface SwitchCounters {
  statusChecksAnswered: number;
  statusChecksThrottled: number;
}

/**
 * One switch node: registers ReqPay (deduplicated by txnId), resolves payer and payee accounts,
 * queues the work in its stage (scheduling strategy, batching, service-time model), asks the
 * breakers before each bank leg and runs the 2PC coordinator, carrying out its effects on the
 * bus, the timers and the decision log. The rules live in the cores (libs/twopc,
 * libs/scheduling, libs/resilience); this class only moves messages between them.
 */
export class SwitchService {
  /** The leader's working registry (a single node's only one). A follower answers from the replicated state. */
  private registry = new TxnRegistry();
  private coordinator: Coordinator;
  private readonly timerHandles = new Map<string, TimerHandle>();
  /** Replies owed per txnId: the first ReqPay and any duplicate that arrived before the outcome. */
  private readonly waiters = new Map<string, Envelope[]>();
  private readonly outbox = new Map<string, OutMessage[]>();
  private flushScheduled = false;
  private stopped = false;
  /** Decision records waiting for the next flush's single append. */
  private unlogged: DecisionRecord[] = [];
  /** Replicated mode: early declines, finished txns and bank-health changes for the next flush's proposal. */
  private unloggedOutcomes: EarlyOutcome[] = [];
  private unloggedFinished: string[] = [];
  private unloggedHealth: BankHealth[] = [];
  /** Replicated mode: settled payments this leader evicted, for the next flush's proposal, and its cutoff. */
  private unloggedEvict: string[] = [];
  private unloggedEvictThrough = -Infinity;
  /** Replicated mode: bank health as this leader last proposed it. */
  private readonly proposedHealth = new Map<string, boolean>();
  /** Replicated mode, as a follower: the ReqPays read lately, with their reply addresses (see `standBy`). */
  private readonly standby = new Map<
    string,
    { readonly at: number; lastAt: number; readonly envs: Envelope<ReqPay>[] }
  >();
  /** When each standby entry is dropped (STANDBY_KEEP_MS after it was first read). */
  private readonly standbyExpiry = new ExpiryQueue<string>();
  private readonly dropStandby = (txnId: string, due: number): void => {
    const kept = this.standby.get(txnId);
    // The same sum as when it was queued, so a re-read entry (new `at`) is never matched.
    if (kept && kept.at + STANDBY_KEEP_MS === due) this.standby.delete(txnId);
  };
  /** Replicated mode: ReqPays whose registration is being committed, with every envelope owed a reply. */
  private readonly registering = new Map<string, Envelope<ReqPay>[]>();
  /**
   * Created-at cutoff of the last eviction: older ReqPays are refused. A replicated leader starts
   * from the committed cutoff and advances it as soon as it evicts, before the eviction commits.
   */
  private evictedThrough = -Infinity;
  /** Whether this node acts (always, for a single node). */
  private leading = false;
  /** Bumped on every leadership change: work started under an older term is dropped when it returns. */
  private epoch = 0;
  private transitions: Promise<void> = Promise.resolve();
  private subs: Subscription[] = [];
  private stage: SwitchStage<Work>;
  /** Capacity set by `resizeStage`, kept across stage rebuilds. */
  private resized: SwitchStageModel | null = null;
  /** The time of day the system gate reads (see SwitchStrategies, `setTimeOfDayOrigin`). */
  private dayOrigin: TimeOfDayOrigin;
  private readonly admission: LegAdmission;
  private readonly checks: StatusCheckLimiter;
  /** Banks of the legs admitted for each payment in 2PC, until its outcome. */
  private readonly legs = new Map<string, { readonly debit: AccountRef; readonly credit: AccountRef }>();
  readonly counters: SwitchCounters = { statusChecksAnswered: 0, statusChecksThrottled: 0 };
  /** When each bank leg was first sent (txnId|op|side), kept only when an observer wants bank-leg latency. */
  private readonly legSentAt: Map<string, number> | null;

  constructor(private readonly opts: SwitchOptions) {
    this.coordinator = new Coordinator(opts.coordinator);
    this.admission = opts.admission ?? new NoAdmissionControl();
    this.checks = new StatusCheckLimiter(opts.statusChecks);
    this.legSentAt = opts.observer?.bankLeg ? new Map() : null;
    this.dayOrigin = {
      startTimeOfDay: opts.strategies.systemGate.startTimeOfDay,
      clockOrigin: opts.strategies.systemGate.clockOrigin ?? opts.timers.now(),
    };
    this.stage = this.buildStage();
  }

  private buildStage(): SwitchStage<Work> {
    const stage = buildStage<Work>(
      this.opts.strategies,
      this.opts.timers,
      {
        onServed: (batch, info) => {
          if (this.opts.observer) observeBatch(this.opts.observer, batch, info.startedAt);
          for (const w of batch) this.serve(w);
        },
        onExpired: (items) => this.refuse(items, 'QD'),
        onShed: (items) => this.refuse(items, 'QS'),
      },
      // A stage rebuilt on a leadership change keeps the time of day it started with.
      this.dayOrigin,
    );
    if (this.resized) stage.resize(this.resized);
    return stage;
  }

  /**
   * Changes this node's capacity while it runs (the simulator's failover to a smaller replica, a
   * replica brought online); a stage rebuilt on a leadership change keeps the new size.
   */
  resizeStage(model: SwitchStageModel): void {
    this.resized = model;
    this.stage.resize(model);
  }

  /**
   * The run's time of day from now on. A live switch process starts before the runs it serves
   * (`upi-lab stack up`, then `run --live`), so each run announces its start and its scenario's
   * start time of day (`PUT /admin/run-clock`); a stage rebuilt on a leadership change keeps it.
   * A replicated leader also commits it to the log, so every replica — one restarted after the
   * announcement too — reads the same clock. Resolves true once committed; false for a single
   * node, a follower, or a leader that lost its leadership before the entry committed (each
   * replica still takes the clock it was told directly).
   */
  async announceRunClock(clock: TimeOfDayOrigin): Promise<boolean> {
    this.setTimeOfDayOrigin(clock);
    const repl = this.opts.replication;
    if (!repl || !this.leading) return false;
    try {
      await repl.commit({ runClock: clock });
      return true;
    } catch {
      return false;
    }
  }

  /** Points the system gate at a run clock (announced here, or committed in the replicated log). */
  private setTimeOfDayOrigin(clock: TimeOfDayOrigin): void {
    this.dayOrigin = clock;
    this.stage.setGateClock(clock.startTimeOfDay, clock.clockOrigin);
  }

  /** The run clock the system gate reads; the switch's clock now, and the time of day it makes. */
  timeOfDay(): TimeOfDayOrigin & { readonly now: number; readonly timeOfDayMs: number | null } {
    const now = this.opts.timers.now();
    return { ...this.dayOrigin, now, timeOfDayMs: this.stage.timeOfDay(now) };
  }

  /** The service-time model the switch's queue is served under now. */
  get stageModel(): SwitchStageModel {
    return this.stage.model;
  }

  async start(): Promise<void> {
    const repl = this.opts.replication;
    if (!repl) {
      this.leading = true;
      this.subs = await this.subscribe();
      return;
    }
    // The last run clock committed (a replica restarted after a run's announcement) and later ones.
    if (repl.state.runClock) this.setTimeOfDayOrigin(repl.state.runClock);
    repl.state.onRunClock((clock) => this.setTimeOfDayOrigin(clock));
    // Every replica reads every message in its own consumer group from the start; only the leader
    // acts. Handing one group's partitions to a new member would wait for Kafka to drop the dead
    // leader (its session timeout, >= 6 s); this way a new leader already has the messages.
    this.subs = await this.subscribe(repl.consumerGroup);
    repl.onLeadership((leading) => {
      this.transitions = this.transitions
        .then(() => (leading ? this.lead() : this.follow()))
        .catch((err: unknown) => console.error(`switch: leadership change failed: ${errorText(err)}`));
    });
    if (repl.leading) {
      this.transitions = this.transitions.then(() => this.lead());
      await this.transitions;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.transitions;
    await this.follow();
    const subs = this.subs;
    this.subs = [];
    await Promise.all(subs.map((s) => s.close()));
    this.stage.stop();
    this.admission.shutdown();
    for (const h of this.timerHandles.values()) this.opts.timers.clearTimer(h);
    this.timerHandles.clear();
  }

  /** Whether this node consumes and coordinates now (a single node: always, once started). */
  get isLeading(): boolean {
    return this.leading;
  }

  private subscribe(group = 'switch'): Promise<Subscription[]> {
    const { bus } = this.opts;
    return Promise.all([
      bus.subscribe<ReqPay>(TOPICS.reqPay, group, (batch) => {
        if (!this.leading) return this.standBy(batch);
        // One node: nothing to wait for, so the batch is done when this returns (no promise).
        if (!this.opts.replication) return void batch.forEach((env) => this.onReqPay(env));
        return this.onReqPays(batch);
      }),
      // A follower drops bank answers: a new leader's recovered coordinator asks again.
      bus.subscribe<BankResp>(TOPICS.bankResp, group, (batch) => {
        if (!this.leading) return;
        const now = this.opts.timers.now();
        for (const env of batch) {
          if (this.legSentAt) this.observeLeg(env.value, now);
          this.recordLeg(env.value);
          this.apply(this.coordinator.onBankResp(env.value, now));
        }
      }),
      // A follower leaves status checks to the leader (the PSP asks again if none answers).
      bus.subscribe<ReqChkTxn>(TOPICS.chkTxn, group, (batch) => {
        if (!this.leading) return;
        for (const env of batch) this.onChkTxn(env);
      }),
    ]);
  }

  /**
   * This replica now leads and has applied every committed entry: it takes a private copy of the
   * registry, rebuilds its coordinator from the replicated decision records — finishing every
   * decided payment and presuming abort for every registered one without a record — publishes
   * settlement again for every settled payment (clearing counts each once, and the old leader may
   * have died before its publish), then starts consuming.
   */
  private async lead(): Promise<void> {
    const repl = this.opts.replication!;
    if (this.leading || this.stopped || !repl.leading) return;
    const epoch = ++this.epoch;
    this.leading = true;
    const { timers, directory } = this.opts;
    const state = repl.state;
    this.registry = state.registryCopy();
    // Payments evicted under earlier leaders are gone from the copy: their repeats get U01.
    this.evictedThrough = state.evictedThrough;
    this.stage.stop();
    this.stage = this.buildStage();
    this.proposedHealth.clear();
    // Banks the old leader's breakers were refusing: refuse them too, rather than send the takeover's
    // first legs into an outage (they would time out and count against the bank all over again).
    for (const h of state.bankHealth()) if (!h.up) this.admission.markDown(h.bank, timers.now() - h.at);
    // ReqPays this replica read as a follower: the PSPs behind them may still be waiting for an
    // answer its predecessor never sent. Unregistered ones are taken over below.
    const backlog: Envelope<ReqPay>[] = [];
    // Settled ones are answered again only while their PSP may still wait: at 150/s the standby
    // holds thousands, nearly all answered by the old leader already, and a burst of replies slows
    // the takeover (docs/raft.md, "Failover under load").
    const answerSince = timers.now() - (this.opts.answerWaitMs ?? DEFAULT_ANSWER_WAIT_MS);
    for (const [txnId, kept] of this.standby) {
      const e = this.registry.get(txnId);
      if (!e) for (const env of kept.envs) backlog.push(env);
      else if (e.status === 'PENDING') this.waiters.set(txnId, kept.envs);
      else if (kept.lastAt >= answerSince) for (const env of kept.envs) this.reply(env, respPay(e));
    }
    this.standby.clear();
    this.standbyExpiry.clear();
    const inFlight: TxnSpec[] = [];
    const unresolvable: string[] = [];
    for (const req of state.undecided()) {
      const debit = directory.resolve(req.payerVpa);
      const credit = directory.resolve(req.payeeVpa);
      if (debit && credit) inFlight.push({ txnId: req.txnId, amountPaise: req.amountPaise, debit, credit });
      else unresolvable.push(req.txnId);
    }
    const recovered = Coordinator.recover(
      this.opts.coordinator,
      state.decisionRecords(),
      inFlight,
      timers.now(),
    );
    this.coordinator = recovered.coordinator;
    // Outcomes the old leader committed but may not have reported: announce them once more.
    for (const o of recovered.effects.outcomes) {
      const e = this.registry.get(o.txnId);
      if (e && e.status !== 'PENDING') this.opts.onOutcome?.(e);
    }
    this.apply(recovered.effects);
    for (const id of unresolvable) this.decline(id, 'ZH');
    for (const e of this.registry.values()) {
      if (e.status === 'SUCCESS' || e.status === 'DEEMED') this.settle(e, 'PAY');
      if (e.resolution === 'RET') this.settle(e, 'RET');
    }
    if (backlog.length === 0) return;
    try {
      await this.onReqPays(backlog);
    } catch (err) {
      // Leadership lost again before they were registered: keep them for the next term.
      if (epoch !== this.epoch) this.standBy(backlog);
      else console.error(`switch: registering the backlog failed: ${errorText(err)}`);
    }
  }

  /**
   * A follower keeps every ReqPay it reads for as long as a PSP waits for its answer, so a new
   * leader can answer the PSPs its predecessor left waiting and take over the payments it read
   * but never registered.
   */
  private async standBy(batch: readonly Envelope<ReqPay>[]): Promise<void> {
    const now = this.opts.timers.now();
    for (const env of batch) {
      const kept = this.standby.get(env.value.txnId);
      if (kept) {
        kept.envs.push(env);
        kept.lastAt = now; // a PSP's retry: its sender waits from now
      } else {
        this.standby.set(env.value.txnId, { at: now, lastAt: now, envs: [env] });
        this.standbyExpiry.push(env.value.txnId, now + STANDBY_KEEP_MS);
      }
    }
    this.standbyExpiry.drain(now, this.dropStandby);
  }

  /** Leadership lost (or the node stops): stop consuming and drop the term's work; the next leader recovers it. */
  private async follow(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.epoch++;
    // A replica keeps reading as a follower; a single node stops.
    const subs = this.opts.replication ? [] : this.subs;
    if (!this.opts.replication) this.subs = [];
    if (this.opts.replication) {
      for (const h of this.timerHandles.values()) this.opts.timers.clearTimer(h);
      this.timerHandles.clear();
      this.stage.stop();
      this.stage = this.buildStage();
      this.coordinator = new Coordinator(this.opts.coordinator);
      this.registry = new TxnRegistry();
      this.waiters.clear();
      this.registering.clear();
      this.outbox.clear();
      this.legs.clear();
      this.unlogged = [];
      this.unloggedOutcomes = [];
      this.unloggedFinished = [];
      this.unloggedHealth = [];
      this.unloggedEvict = [];
    }
    await Promise.all(subs.map((s) => s.close()));
  }

  /** Transactions whose coordinator work is not finished (phase two or a deemed credit still outstanding). */
  get active(): number {
    return this.coordinator.active;
  }

  /**
   * Drops settled payments by `rule` (TxnRegistry.evict), never one with coordinator work or a
   * reply still owed. A ReqPay created before `rule.cutoffMs` is refused from then on (see
   * `onReqPay`). The caller chooses the rule (libs/runtime/src/retention.ts). Returns how many.
   *
   * A single node hands each to `sink` first. A replicated leader drops them from its working
   * registry and proposes them, with the cutoff, in its next flush; every replica drops them when
   * that commits (`SwitchStateMachine`, which reports them through `onEvicted`: `sink` is not
   * called). Only payments the committed state holds as settled are chosen, so every replica drops
   * exactly what the leader did. A follower evicts nothing.
   */
  evictSettled(rule: EvictionRule, sink?: (e: TxnEntry) => void): number {
    const repl = this.opts.replication;
    if (repl && !this.leading) return 0;
    if (rule.cutoffMs > this.evictedThrough) this.evictedThrough = rule.cutoffMs;
    if (!repl) this.opts.log.truncate?.(rule.cutoffMs, (id) => !this.coordinator.isActive(id));
    const keep = rule.keep;
    const committed = (id: string): boolean => {
      const c = repl!.state.get(id);
      return c !== undefined && isSettled(c);
    };
    const n = this.registry.evict(
      {
        ...rule,
        keep: (e) =>
          this.coordinator.isActive(e.req.txnId) ||
          this.waiters.has(e.req.txnId) ||
          (repl !== undefined && !committed(e.req.txnId)) ||
          (keep?.(e) ?? false),
      },
      repl ? (e) => this.unloggedEvict.push(e.req.txnId) : (e) => sink?.(e),
    );
    if (repl && n > 0) {
      this.unloggedEvictThrough = this.evictedThrough;
      this.scheduleFlush();
    }
    return n;
  }

  /** Payments held in the registry (registered, not evicted; a follower: as committed). */
  get registered(): number {
    return this.view().size;
  }

  /** The i-th registered payment (0-based). */
  entryAt(i: number): TxnEntry | undefined {
    return this.view().at(i);
  }

  entries(): IterableIterator<TxnEntry> {
    return this.view().values();
  }

  /** A leader (or single node) answers from its working registry, a follower from the committed state. */
  private view(): Pick<TxnRegistry, 'get' | 'at' | 'size' | 'values'> {
    const repl = this.opts.replication;
    if (!repl || this.leading) return this.registry;
    const st = repl.state;
    return { get: (id) => st.get(id), at: (i) => st.at(i), size: st.size, values: () => st.entries() };
  }

  /** Queue depth per class, held system payments and unfinished 2PC work, for gauges read at scrape time. */
  gauges(): SwitchGauges {
    return {
      queueByClass: this.stage.queuedByClass(),
      held: this.stage.held,
      inDoubt: this.coordinator.active,
    };
  }

  /** The queue's counters (offered, served, batches, expired, shed, held) and current depths. */
  stageStats(): { counters: SwitchStage<Work>['counters']; queued: number; held: number } {
    return { counters: this.stage.counters, queued: this.stage.queued, held: this.stage.held };
  }

  /**
   * Declines the system-initiated payments still held for a peak window (QD: their window did not
   * open before the run ended), so a finished run leaves none in limbo.
   */
  abandonHeld(): number {
    const held = this.stage.abandonHeld();
    this.refuse(held, 'QD');
    return held.length;
  }

  statusOf(txnId: string): RespChkTxn & { readonly status: TxnStatus | 'UNKNOWN' } {
    const e = this.view().get(txnId);
    return { type: 'RespChkTxn', txnId, status: e ? e.status : 'UNKNOWN', code: e?.code ?? null };
  }

  private async onReqPays(batch: readonly Envelope<ReqPay>[]): Promise<void> {
    const repl = this.opts.replication;
    if (!repl) {
      for (const env of batch) this.onReqPay(env);
      return;
    }
    // Not acknowledged, so the bus hands the batch to whoever consumes next (the new leader).
    if (!this.leading) throw new Error('switch: not the leader');
    const fresh: ReqPay[] = [];
    for (const env of batch) {
      if (this.answerKnown(env)) continue;
      if (env.value.createdAt <= this.evictedThrough) {
        // As on a single node (`onReqPay`): possibly evicted already, so refused before any bank leg.
        this.reply(env, staleReqPay(env.value.txnId));
        continue;
      }
      const pending = this.registering.get(env.value.txnId);
      if (pending) pending.push(env);
      else {
        this.registering.set(env.value.txnId, [env]);
        fresh.push(env.value);
      }
    }
    if (fresh.length === 0) return;
    // Registered in the replicated log before any bank leg: a new leader then knows every payment
    // that may have touched a bank, and the batch is acknowledged only once that is durable.
    const epoch = this.epoch;
    try {
      await repl.commit({ register: fresh });
    } catch (err) {
      if (epoch === this.epoch) for (const r of fresh) this.registering.delete(r.txnId);
      throw err;
    }
    if (epoch !== this.epoch) throw new Error('switch: leadership changed during registration');
    for (const req of fresh) {
      const envs = this.registering.get(req.txnId)!;
      this.registering.delete(req.txnId);
      this.registry.register(req);
      this.waiters.set(req.txnId, envs);
      this.admitPayment(req);
    }
  }

  /** A ReqPay for a known txnId: answered from the registry (or queued for the outcome). */
  private answerKnown(env: Envelope<ReqPay>): boolean {
    const known = this.registry.get(env.value.txnId);
    if (!known) return false;
    if (known.status === 'PENDING') this.waiters.get(env.value.txnId)?.push(env);
    else this.reply(env, respPay(known));
    return true;
  }

  private onReqPay(env: Envelope<ReqPay>): void {
    if (this.answerKnown(env)) return;
    if (env.value.createdAt <= this.evictedThrough) {
      // Older than the retention window: possibly a payment already settled and evicted, whose
      // ledger records are gone too. Refused as a duplicate, before any bank leg.
      this.reply(env, staleReqPay(env.value.txnId));
      return;
    }
    this.registry.register(env.value);
    this.waiters.set(env.value.txnId, [env]);
    this.admitPayment(env.value);
  }

  private admitPayment(req: ReqPay): void {
    const debit = this.opts.directory.resolve(req.payerVpa);
    const credit = debit && this.opts.directory.resolve(req.payeeVpa);
    if (!debit || !credit) {
      // The address did not resolve (ReqAuthDetails failed): declined before it costs anything.
      this.decline(req.txnId, 'ZH');
      return;
    }
    this.stage.offer({ kind: 'pay', req, at: this.opts.timers.now(), debit, credit }, req);
  }

  private onChkTxn(env: Envelope<ReqChkTxn>): void {
    const e = this.registry.get(env.value.txnId);
    if (!e) {
      this.reply(env, this.statusOf(env.value.txnId));
      return;
    }
    const verdict = this.checks.allow(e.req.txnId, e.req.createdAt, this.opts.timers.now());
    if (!verdict.ok) {
      this.throttle(env, verdict.reason);
      return;
    }
    // A permitted check is system-initiated work: it queues (and is held at peak) like one.
    this.stage.offer({ kind: 'chk', env }, { category: 'P2M', initiation: 'SYSTEM' });
  }

  private throttle(env: Envelope<ReqChkTxn>, reason: string): void {
    this.counters.statusChecksThrottled++;
    void this.opts.bus.reply<RespChkTxn>(env, {
      type: 'RespChkTxn',
      txnId: env.value.txnId,
      status: 'THROTTLED',
      code: null,
      reason,
    });
  }

  /** A batch left the stage: look status checks up; for payments, ask the breakers, then start 2PC. */
  private serve(w: Work): void {
    if (w.kind === 'chk') {
      this.counters.statusChecksAnswered++;
      this.reply(w.env, this.statusOf(w.env.value.txnId));
      return;
    }
    const { req, debit, credit } = w;
    if (!this.admission.admit(debit.bank, legId(req.txnId, 'DEBIT'))) {
      this.noteHealth(debit.bank, false);
      this.decline(req.txnId, breakerDeclineCode('remitter'));
      return;
    }
    this.noteHealth(debit.bank, true);
    if (!this.admission.admit(credit.bank, legId(req.txnId, 'CREDIT'))) {
      this.noteHealth(credit.bank, false);
      this.admission.cancel(debit.bank, legId(req.txnId, 'DEBIT'));
      this.decline(req.txnId, breakerDeclineCode('beneficiary'));
      return;
    }
    this.noteHealth(credit.bank, true);
    this.legs.set(req.txnId, { debit, credit });
    const spec: TxnSpec = { txnId: req.txnId, amountPaise: req.amountPaise, debit, credit };
    this.apply(this.coordinator.start(spec, this.opts.timers.now()));
  }

  private refuse(items: Work[], code: 'QD' | 'QS'): void {
    for (const w of items) {
      if (w.kind === 'pay') this.decline(w.req.txnId, code);
      else this.throttle(w.env, code === 'QD' ? 'DEADLINE' : 'SHED');
    }
  }

  /** Replicated mode: a bank's breaker turned (refused a leg, or admitted one again) — replicate it. */
  private noteHealth(bank: string, up: boolean): void {
    const repl = this.opts.replication;
    if (!repl) return;
    if ((this.proposedHealth.get(bank) ?? repl.state.isUp(bank)) === up) return;
    this.proposedHealth.set(bank, up);
    this.unloggedHealth.push({ bank, up, at: this.opts.timers.now() });
    this.scheduleFlush();
  }

  private decline(txnId: string, code: ResponseCode): void {
    if (this.opts.replication) {
      // Replicated before the payer hears it, so a new leader gives the same answer.
      this.unloggedOutcomes.push({ txnId, status: 'DECLINED', code });
      this.scheduleFlush();
      return;
    }
    this.settleOutcome({ txnId, status: 'DECLINED', code, decline: declineKind(code) });
  }

  private noteLegSent(req: BankReq, now: number): void {
    const key = `${req.txnId}|${req.op}|${req.side}`;
    if (this.legSentAt!.has(key)) return; // a resend: latency counts from the first send
    // Legs never answered (timeouts) would pile up: past this bound, start over (a metric, not state).
    if (this.legSentAt!.size >= MAX_TRACKED_LEGS) this.legSentAt!.clear();
    this.legSentAt!.set(key, now);
  }

  private observeLeg(resp: BankResp, now: number): void {
    const key = `${resp.txnId}|${resp.op}|${resp.side}`;
    const sent = this.legSentAt!.get(key);
    if (sent === undefined) return; // a duplicate answer
    this.legSentAt!.delete(key);
    this.opts.observer!.bankLeg!(resp.op, now - sent);
  }

  /** A bank's first answer to a business leg tells its breaker how the leg went. */
  private recordLeg(resp: BankResp): void {
    if (resp.op === 'PREPARE' || resp.op === 'DEBIT' || resp.op === 'CREDIT') {
      this.admission.record(resp.bank, legId(resp.txnId, resp.side), legOutcomeForCode(resp.code));
    }
  }

  private apply(fx: Effects): void {
    const { timers } = this.opts;
    // Indexed loops: an Effects list is either a fresh array or the shared frozen empty one, and
    // for-of over that mix allocates an iterator result per element (about 1 KB per payment).
    const cancels = fx.cancelTimers;
    for (let i = 0; i < cancels.length; i++) this.cancelTimer(cancels[i]!);
    const set = fx.timers;
    for (let i = 0; i < set.length; i++) {
      const t = set[i]!;
      this.cancelTimer(t.key);
      const handle = timers.setTimer(t.atMs - timers.now(), () => {
        this.timerHandles.delete(t.key);
        this.apply(this.coordinator.onTimer(t.key, timers.now()));
      });
      this.timerHandles.set(t.key, handle);
    }
    const send = fx.send;
    for (let i = 0; i < send.length; i++) {
      const req = send[i]!;
      if (this.legSentAt) this.noteLegSent(req, timers.now());
      this.enqueue(TOPICS.bankReq(req.bank), req.account, req);
    }
    const persist = fx.persist;
    if (persist.length > 0) {
      for (let i = 0; i < persist.length; i++) this.unlogged.push(persist[i]!);
      this.scheduleFlush();
    }
    const outcomes = fx.outcomes;
    for (let i = 0; i < outcomes.length; i++) this.settleOutcome(outcomes[i]!);
    // Replicated mode: a finished txn's records may be dropped from the log's state (next proposal).
    const finished = fx.finished;
    if (this.opts.replication)
      for (let i = 0; i < finished.length; i++) this.unloggedFinished.push(finished[i]!);
    const resolutions = fx.resolutions;
    for (let i = 0; i < resolutions.length; i++) {
      const r = resolutions[i]!;
      const e = this.registry.get(r.txnId);
      if (!e) continue;
      e.resolution = r.resolution;
      if (r.resolution === 'RET') this.settle(e, 'RET');
    }
  }

  private settleOutcome(o: Outcome): void {
    const e = this.registry.get(o.txnId);
    if (!e || e.status !== 'PENDING') return;
    e.status = o.status;
    e.code = o.code;
    e.decline = o.decline;
    const legs = this.legs.get(o.txnId);
    if (legs) {
      // Legs the banks never answered (timeouts; a credit never sent) are recorded from the outcome.
      this.legs.delete(o.txnId);
      this.admission.record(legs.debit.bank, legId(o.txnId, 'DEBIT'), unansweredLeg('DEBIT', o.code));
      this.admission.record(legs.credit.bank, legId(o.txnId, 'CREDIT'), unansweredLeg('CREDIT', o.code));
    }
    if (o.status === 'SUCCESS' || o.status === 'DEEMED') this.settle(e, 'PAY');
    const resp = respPay(e);
    for (const env of this.waiters.get(o.txnId) ?? []) this.reply(env, resp);
    this.waiters.delete(o.txnId);
    this.opts.onOutcome?.(e);
  }

  private settle(e: TxnEntry, kind: SettlementEntry['kind']): void {
    const payer = this.opts.directory.resolve(e.req.payerVpa)!;
    const payee = this.opts.directory.resolve(e.req.payeeVpa)!;
    const entry: SettlementEntry = {
      type: 'SettlementEntry',
      txnId: e.req.txnId,
      kind,
      remitterBank: payer.bank,
      beneficiaryBank: payee.bank,
      amountPaise: e.req.amountPaise,
      at: this.opts.timers.now(),
    };
    this.enqueue(TOPICS.settlement, e.req.txnId, entry);
  }

  private cancelTimer(key: string): void {
    const h = this.timerHandles.get(key);
    if (h) {
      this.opts.timers.clearTimer(h);
      this.timerHandles.delete(key);
    }
  }

  private enqueue(topic: string, key: string, value: BankReq | SettlementEntry): void {
    let q = this.outbox.get(topic);
    if (!q) this.outbox.set(topic, (q = []));
    q.push({ key, value });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /**
   * Everything one batch produced leaves together: one decision-log append (one Raft proposal once
   * the log is replicated) and one publish per topic.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.opts.replication) this.propose(this.opts.replication);
    else if (this.unlogged.length > 0) {
      const records = this.unlogged;
      this.unlogged = [];
      const txnIds = [...new Set(records.map((r) => r.txnId))];
      const appendAt = this.opts.timers.now();
      this.opts.log.append(records).then(
        () => {
          const now = this.opts.timers.now();
          this.opts.observer?.decisionLogged?.(now - appendAt);
          for (const id of txnIds) this.apply(this.coordinator.decisionDurable(id, now));
        },
        // A decision that cannot be made durable is never acted on; presumed abort covers it on recovery.
        (err: unknown) => console.error('decision log append failed', err),
      );
    }
    for (const [topic, msgs] of this.outbox) this.publish(topic, msgs, 0);
    this.outbox.clear();
  }

  /**
   * Replicated mode: the batch's records, early declines, finished txns and health changes go out
   * as one Raft proposal; once it is committed, phase two goes ahead and the declines are answered.
   * A proposal that fails means leadership was lost: the next leader recovers from what committed.
   */
  private propose(repl: SwitchReplication): void {
    const evicting = this.unloggedEvict.length;
    if (this.unlogged.length + this.unloggedOutcomes.length + this.unloggedHealth.length + evicting === 0)
      return;
    const records = this.unlogged;
    const outcomes = this.unloggedOutcomes;
    const cmd: SwitchCommand = {
      records,
      outcomes,
      finished: this.unloggedFinished,
      health: this.unloggedHealth,
      // After this batch's records and finished txns (the command's order), so none outlives its entry.
      ...(evicting ? { evict: { through: this.unloggedEvictThrough, txnIds: this.unloggedEvict } } : {}),
    };
    this.unlogged = [];
    this.unloggedOutcomes = [];
    this.unloggedFinished = [];
    this.unloggedHealth = [];
    this.unloggedEvict = [];
    const epoch = this.epoch;
    const appendAt = this.opts.timers.now();
    repl.commit(cmd).then(
      () => {
        if (epoch !== this.epoch) return;
        const now = this.opts.timers.now();
        this.opts.observer?.decisionLogged?.(now - appendAt);
        for (const id of new Set(records.map((r) => r.txnId))) {
          this.apply(this.coordinator.decisionDurable(id, now));
        }
        for (const o of outcomes) {
          this.settleOutcome({ ...o, decline: o.status === 'SUCCESS' ? null : declineKind(o.code) });
        }
      },
      (err: unknown) => {
        if (epoch === this.epoch) console.error(`switch: proposal failed: ${errorText(err)}`);
      },
    );
  }

  /**
   * Bank requests are re-sent by the coordinator's timers, but a settlement entry is sent once:
   * losing one (the broker is down) would leave clearing off the ledger for good. So a failed
   * settlement publish is retried with backoff until it goes through; clearing counts each
   * (txnId, kind) once, so a duplicate is harmless.
   */
  private publish(topic: string, msgs: OutMessage[], attempt: number): void {
    this.opts.bus.publish(topic, msgs).then(
      () => {
        if (attempt > 0) console.error(`publish to ${topic} went through after ${attempt + 1} attempts`);
      },
      (err: unknown) => {
        if (topic !== TOPICS.settlement || this.stopped || err instanceof BusClosedError) {
          console.error(`publish to ${topic} failed: ${errorText(err)}`);
          return;
        }
        if (attempt === 0)
          console.error(`publish to ${topic} failed, retrying until sent: ${errorText(err)}`);
        const waitMs = Math.min(
          SETTLEMENT_RETRY_MAX_MS,
          SETTLEMENT_RETRY_FIRST_MS * 2 ** Math.min(attempt, 8),
        );
        this.opts.timers.setTimer(waitMs, () => this.publish(topic, msgs, attempt + 1));
      },
    );
  }

  /** Replies are fire-and-forget (the requester has its own timeout); a failed one must not crash the node. */
  private reply(env: Envelope, value: RespPay | RespChkTxn): void {
    this.opts.bus.reply(env, value).catch((err: unknown) => console.error(`reply failed: ${errorText(err)}`));
  }
}

const SETTLEMENT_RETRY_FIRST_MS = 250;
/** How long a follower keeps a ReqPay it read: the 15 s a PSP waits for ReqPay's answer, and a margin. */
const STANDBY_KEEP_MS = 20_000;
/** NPCI's ReqPay answer wait, when the topology does not say. */
const DEFAULT_ANSWER_WAIT_MS = 15_000;
const MAX_TRACKED_LEGS = 200_000;

function observeBatch(o: SwitchObserver, batch: readonly Work[], startedAt: number): void {
  o.batch?.(batch.length);
  if (!o.queueWait) return;
  for (const w of batch) if (w.kind === 'pay') o.queueWait(startedAt - w.at, w.req.category);
}
const SETTLEMENT_RETRY_MAX_MS = 5_000;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function legId(txnId: string, side: BankReq['side']): string {
  return side === 'DEBIT' ? `${txnId}:D` : `${txnId}:C`;
}

const DEBIT_SIDE_FAILURES: ReadonlySet<ResponseCode> = new Set<ResponseCode>(['UT', 'XY', 'U30']);
const CREDIT_SIDE_FAILURES: ReadonlySet<ResponseCode> = new Set<ResponseCode>(['BT', 'RB', 'Y1', 'U31']);

/** How a leg without a recorded answer went, judged from the payment's outcome code. */
function unansweredLeg(side: BankReq['side'], code: ResponseCode): LegOutcome {
  if (code === '00') return 'ok';
  const failures = side === 'DEBIT' ? DEBIT_SIDE_FAILURES : CREDIT_SIDE_FAILURES;
  return failures.has(code) ? 'technical' : 'business';
}

function staleReqPay(txnId: string): RespPay {
  return { type: 'RespPay', txnId, status: 'DECLINED', code: 'U01', decline: declineKind('U01') };
}

function respPay(e: TxnEntry): RespPay {
  return {
    type: 'RespPay',
    txnId: e.req.txnId,
    status: e.status as RespPay['status'],
    code: e.code as ResponseCode,
    decline: e.decline,
  };
}
