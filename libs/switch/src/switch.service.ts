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
} from '../../domain/src';
import type { Bus, Envelope, OutMessage, Subscription } from '../../transport/src/bus';
import { TOPICS } from '../../transport/src/topics';
import {
  Coordinator,
  type CoordinatorConfig,
  type Effects,
  type Outcome,
  type TxnSpec,
} from '../../twopc/src';
import type { DecisionLog } from './decision-log';
import type { Directory } from './directory';
import { TxnRegistry, type TxnEntry } from './txn-registry';

export interface SwitchOptions {
  readonly bus: Bus;
  readonly timers: Timers;
  readonly directory: Directory;
  readonly log: DecisionLog;
  readonly coordinator: CoordinatorConfig;
  /** Called when a payment's user-facing outcome is known (for metrics and run summaries). */
  readonly onOutcome?: (entry: TxnEntry) => void;
}

/**
 * One switch node: registers ReqPay (deduplicated by txnId), resolves payer and payee accounts,
 * and runs the 2PC coordinator, carrying out its effects on the bus, the timers and the decision
 * log. The rules live in the coordinator (libs/twopc); this class only moves messages.
 */
export class SwitchService {
  private readonly registry = new TxnRegistry();
  private readonly coordinator: Coordinator;
  private readonly timerHandles = new Map<string, TimerHandle>();
  /** Replies owed per txnId: the first ReqPay and any duplicate that arrived before the outcome. */
  private readonly waiters = new Map<string, Envelope[]>();
  private readonly outbox = new Map<string, OutMessage[]>();
  private flushScheduled = false;
  private subs: Subscription[] = [];

  constructor(private readonly opts: SwitchOptions) {
    this.coordinator = new Coordinator(opts.coordinator);
  }

  async start(): Promise<void> {
    const { bus } = this.opts;
    this.subs = await Promise.all([
      bus.subscribe<ReqPay>(TOPICS.reqPay, 'switch', async (batch) => {
        for (const env of batch) this.onReqPay(env);
      }),
      bus.subscribe<BankResp>(TOPICS.bankResp, 'switch', async (batch) => {
        const now = this.opts.timers.now();
        for (const env of batch) this.apply(this.coordinator.onBankResp(env.value, now));
      }),
      bus.subscribe<ReqChkTxn>(TOPICS.chkTxn, 'switch', async (batch) => {
        for (const env of batch) void bus.reply(env, this.statusOf(env.value.txnId));
      }),
    ]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.close()));
    this.subs = [];
    for (const h of this.timerHandles.values()) this.opts.timers.clearTimer(h);
    this.timerHandles.clear();
  }

  /** Transactions whose coordinator work is not finished (phase two or a deemed credit still outstanding). */
  get active(): number {
    return this.coordinator.active;
  }

  entries(): IterableIterator<TxnEntry> {
    return this.registry.values();
  }

  statusOf(txnId: string): RespChkTxn {
    const e = this.registry.get(txnId);
    return { type: 'RespChkTxn', txnId, status: e ? e.status : 'UNKNOWN', code: e?.code ?? null };
  }

  private onReqPay(env: Envelope<ReqPay>): void {
    const req = env.value;
    const known = this.registry.get(req.txnId);
    if (known) {
      if (known.status === 'PENDING') this.waiters.get(req.txnId)?.push(env);
      else void this.opts.bus.reply(env, respPay(known));
      return;
    }
    this.registry.register(req);
    this.waiters.set(req.txnId, [env]);
    const payer = this.opts.directory.resolve(req.payerVpa);
    const payee = this.opts.directory.resolve(req.payeeVpa);
    if (!payer || !payee) {
      // The address did not resolve (ReqAuthDetails failed): declined before any bank is asked.
      this.settleOutcome({ txnId: req.txnId, status: 'DECLINED', code: 'ZH', decline: declineKind('ZH') });
      return;
    }
    const spec: TxnSpec = { txnId: req.txnId, amountPaise: req.amountPaise, debit: payer, credit: payee };
    this.apply(this.coordinator.start(spec, this.opts.timers.now()));
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
      const txnIds = [...new Set(fx.persist.map((r) => r.txnId))];
      this.opts.log.append(fx.persist).then(
        () => {
          for (const id of txnIds) this.apply(this.coordinator.decisionDurable(id, timers.now()));
        },
        // A decision that cannot be made durable is never acted on; presumed abort covers it on recovery.
        (err: unknown) => console.error('decision log append failed', err),
      );
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
    if (o.status === 'SUCCESS' || o.status === 'DEEMED') this.settle(e, 'PAY');
    const resp = respPay(e);
    for (const env of this.waiters.get(o.txnId) ?? []) void this.opts.bus.reply(env, resp);
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

  /** Messages produced while handling one batch leave together: one publish per topic. */
  private enqueue(topic: string, key: string, value: BankReq | SettlementEntry): void {
    let q = this.outbox.get(topic);
    if (!q) this.outbox.set(topic, (q = []));
    q.push({ key, value });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const [topic, msgs] of this.outbox) {
      void this.opts.bus
        .publish(topic, msgs)
        .catch((err: unknown) => console.error(`publish to ${topic} failed`, err));
    }
    this.outbox.clear();
  }
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
