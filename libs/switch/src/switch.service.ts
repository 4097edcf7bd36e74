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
import { StatusCheckLimiter, type StatusCheckRules, type SwitchStage } from '../../scheduling/src';
import { buildStage, type SwitchStrategies } from './switch-strategies';
import type { DecisionLog } from './decision-log';
import type { AccountRef, Directory } from './directory';
import { TxnRegistry, type TxnEntry } from './txn-registry';

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
}

/** Work waiting in the switch's queue: a payment, or a status check (which costs capacity too). */
type Work =
  | { readonly kind: 'pay'; readonly req: ReqPay }
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
  private readonly registry = new TxnRegistry();
  private readonly coordinator: Coordinator;
  private readonly timerHandles = new Map<string, TimerHandle>();
  /** Replies owed per txnId: the first ReqPay and any duplicate that arrived before the outcome. */
  private readonly waiters = new Map<string, Envelope[]>();
  private readonly outbox = new Map<string, OutMessage[]>();
  private flushScheduled = false;
  private stopped = false;
  /** Decision records waiting for the next flush's single append. */
  private unlogged: DecisionRecord[] = [];
  private subs: Subscription[] = [];
  private readonly stage: SwitchStage<Work>;
  private readonly admission: LegAdmission;
  private readonly checks: StatusCheckLimiter;
  /** Banks of the legs admitted for each payment in 2PC, until its outcome. */
  private readonly legs = new Map<string, { readonly debit: AccountRef; readonly credit: AccountRef }>();
  readonly counters: SwitchCounters = { statusChecksAnswered: 0, statusChecksThrottled: 0 };

  constructor(private readonly opts: SwitchOptions) {
    this.coordinator = new Coordinator(opts.coordinator);
    this.admission = opts.admission ?? new NoAdmissionControl();
    this.checks = new StatusCheckLimiter(opts.statusChecks);
    this.stage = buildStage<Work>(opts.strategies, opts.timers, {
      onServed: (batch) => {
        for (const w of batch) this.serve(w);
      },
      onExpired: (items) => this.refuse(items, 'QD'),
      onShed: (items) => this.refuse(items, 'QS'),
    });
  }

  async start(): Promise<void> {
    const { bus } = this.opts;
    this.subs = await Promise.all([
      bus.subscribe<ReqPay>(TOPICS.reqPay, 'switch', async (batch) => {
        for (const env of batch) this.onReqPay(env);
      }),
      bus.subscribe<BankResp>(TOPICS.bankResp, 'switch', async (batch) => {
        const now = this.opts.timers.now();
        for (const env of batch) {
          this.recordLeg(env.value);
          this.apply(this.coordinator.onBankResp(env.value, now));
        }
      }),
      bus.subscribe<ReqChkTxn>(TOPICS.chkTxn, 'switch', async (batch) => {
        for (const env of batch) this.onChkTxn(env);
      }),
    ]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.subs.map((s) => s.close()));
    this.subs = [];
    this.stage.stop();
    this.admission.shutdown();
    for (const h of this.timerHandles.values()) this.opts.timers.clearTimer(h);
    this.timerHandles.clear();
  }

  /** Transactions whose coordinator work is not finished (phase two or a deemed credit still outstanding). */
  get active(): number {
    return this.coordinator.active;
  }

  /** Payments registered so far. */
  get registered(): number {
    return this.registry.size;
  }

  /** The i-th registered payment (0-based). */
  entryAt(i: number): TxnEntry | undefined {
    return this.registry.at(i);
  }

  entries(): IterableIterator<TxnEntry> {
    return this.registry.values();
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
    const e = this.registry.get(txnId);
    return { type: 'RespChkTxn', txnId, status: e ? e.status : 'UNKNOWN', code: e?.code ?? null };
  }

  private onReqPay(env: Envelope<ReqPay>): void {
    const req = env.value;
    const known = this.registry.get(req.txnId);
    if (known) {
      if (known.status === 'PENDING') this.waiters.get(req.txnId)?.push(env);
      else this.reply(env, respPay(known));
      return;
    }
    this.registry.register(req);
    this.waiters.set(req.txnId, [env]);
    if (!this.opts.directory.resolve(req.payerVpa) || !this.opts.directory.resolve(req.payeeVpa)) {
      // The address did not resolve (ReqAuthDetails failed): declined before it costs anything.
      this.decline(req.txnId, 'ZH');
      return;
    }
    this.stage.offer({ kind: 'pay', req }, req);
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
    const req = w.req;
    const debit = this.opts.directory.resolve(req.payerVpa)!;
    const credit = this.opts.directory.resolve(req.payeeVpa)!;
    if (!this.admission.admit(debit.bank, legId(req.txnId, 'DEBIT'))) {
      this.decline(req.txnId, breakerDeclineCode('remitter'));
      return;
    }
    if (!this.admission.admit(credit.bank, legId(req.txnId, 'CREDIT'))) {
      this.admission.cancel(debit.bank, legId(req.txnId, 'DEBIT'));
      this.decline(req.txnId, breakerDeclineCode('beneficiary'));
      return;
    }
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

  private decline(txnId: string, code: ResponseCode): void {
    this.settleOutcome({ txnId, status: 'DECLINED', code, decline: declineKind(code) });
  }

  /** A bank's first answer to a business leg tells its breaker how the leg went. */
  private recordLeg(resp: BankResp): void {
    if (resp.op === 'PREPARE' || resp.op === 'DEBIT' || resp.op === 'CREDIT') {
      this.admission.record(resp.bank, legId(resp.txnId, resp.side), legOutcomeForCode(resp.code));
    }
  }

  private apply(fx: Effects): void {
    const { timers } = this.opts;
    for (const key of fx.cancelTimers) this.cancelTimer(key);
    for (const t of fx.timers) {
      this.cancelTimer(t.key);
      const handle = timers.setTimer(t.atMs - timers.now(), () => {
        this.timerHandles.delete(t.key);
        this.apply(this.coordinator.onTimer(t.key, timers.now()));
      });
      this.timerHandles.set(t.key, handle);
    }
    for (const req of fx.send) this.enqueue(TOPICS.bankReq(req.bank), req.account, req);
    if (fx.persist.length > 0) {
      for (const r of fx.persist) this.unlogged.push(r);
      this.scheduleFlush();
    }
    for (const o of fx.outcomes) this.settleOutcome(o);
    for (const r of fx.resolutions) {
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
    if (this.unlogged.length > 0) {
      const records = this.unlogged;
      this.unlogged = [];
      const txnIds = [...new Set(records.map((r) => r.txnId))];
      this.opts.log.append(records).then(
        () => {
          const now = this.opts.timers.now();
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

function respPay(e: TxnEntry): RespPay {
  return {
    type: 'RespPay',
    txnId: e.req.txnId,
    status: e.status as RespPay['status'],
    code: e.code as ResponseCode,
    decline: e.decline,
  };
}
