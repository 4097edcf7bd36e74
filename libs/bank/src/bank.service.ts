import type { BankOp, BankReq, BankResp, Random, ResponseCode, Side, Timers } from '../../domain/src';
import type { LedgerOp, LedgerStore } from '../../ledger/src/ledger-store';
import type { Bus, Envelope, Subscription } from '../../transport/src/bus';
import { TOPICS } from '../../transport/src/topics';
import { ledgerOpFor, participantReply } from '../../twopc/src/participant';
import { type BankCounters, type BankStats, newCounters } from './bank-counters';
import { BankModel, type Completion } from './bank-model';
import { type BankFault, type BankProfile, isBusinessOp, technicalDecline } from './bank-profile';
import { DeclineMemo } from './decline-memo';

export interface BankServiceOptions {
  readonly bus: Bus;
  readonly timers: Timers;
  readonly ledger: LedgerStore;
  readonly rng: Random;
  readonly banks: readonly BankProfile[];
  /** Completion grid of the service model (see BankModelOptions.tickMs). Default 1 ms. */
  readonly tickMs?: number;
  /** How long a technical decline is remembered for repeats of the same operation. Default 15 min. */
  readonly declineMemoMs?: number;
}

interface Pending {
  readonly req: BankReq;
  /** Technical decline decided at admission (random failure or CBS down), null to process. */
  readonly fail: ResponseCode | null;
}

interface Hosted {
  readonly id: string;
  readonly model: BankModel;
  readonly memo: DeclineMemo;
  readonly c: BankCounters;
  /** Requests due at each instant: one batch each. */
  readonly due: Map<number, Pending[]>;
  /** Ledger work of this bank runs one batch at a time, in completion order. */
  chain: Promise<void>;
  /**
   * Completed requests waiting for the ledger while a batch is in flight: they all go in the next
   * one (group commit), so a slow round trip makes batches bigger instead of the queue longer.
   */
  ready: Pending[];
  readyDone: Completion[];
  /** A drain of `ready` is queued or running on `chain`. */
  draining: boolean;
  /** Reply publishes not yet acknowledged (the chain does not wait for them). */
  readonly publishing: Set<Promise<void>>;
}

const DEFAULT_MEMO_MS = 15 * 60_000;
const OPS: ReadonlySet<string> = new Set<BankOp>([
  'PREPARE',
  'COMMIT',
  'ABORT',
  'DEBIT',
  'CREDIT',
  'REVERSAL',
]);

/**
 * Hosts banks on the bus: each request goes through its bank's service model and, when served,
 * through the participant rule (BankReq → LedgerOp → BankResp). Requests due at the same instant
 * make one batch: one `ledger.apply` round trip, one publish of the replies.
 *
 * A technical decline (random failure, CBS down) is only given to an operation the ledger has
 * no record of, and is then remembered: a repeat of an operation that already moved money is
 * answered from the ledger (a replay), and one that was declined is never applied later.
 */
export class BankService {
  private readonly hosted = new Map<string, Hosted>();
  private readonly subs: Subscription[] = [];
  private readonly timerHandles = new Set<ReturnType<Timers['setTimer']>>();
  private running = false;

  constructor(private readonly opts: BankServiceOptions) {
    const memoMs = opts.declineMemoMs ?? DEFAULT_MEMO_MS;
    for (const p of opts.banks) {
      if (this.hosted.has(p.id)) throw new Error(`bank ${p.id} is listed twice`);
      const model = new BankModel(p, opts.rng.fork(`bank:${p.id}`), { tickMs: opts.tickMs ?? 1 });
      this.hosted.set(p.id, {
        id: p.id,
        model,
        memo: new DeclineMemo(memoMs),
        c: newCounters(),
        due: new Map(),
        chain: Promise.resolve(),
        ready: [],
        readyDone: [],
        draining: false,
        publishing: new Set(),
      });
    }
  }

  get bankIds(): string[] {
    return [...this.hosted.keys()];
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const h of this.hosted.values()) {
      this.subs.push(
        await this.opts.bus.subscribe<unknown>(TOPICS.bankReq(h.id), 'bank', (batch) => {
          for (const env of batch) this.receive(h, env);
        }),
      );
    }
  }

  /** Stops taking requests; requests not yet served are abandoned (counted as dropped). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.all(this.subs.splice(0).map((s) => s.close()));
    for (const t of this.timerHandles) this.opts.timers.clearTimer(t);
    this.timerHandles.clear();
    for (const h of this.hosted.values()) {
      for (const items of h.due.values()) {
        h.c.dropped += items.length;
        h.c.inFlight -= items.length;
      }
      h.due.clear();
    }
    await this.idle();
  }

  /** Resolves when every bank's ledger work started so far has finished and its replies are published. */
  async idle(): Promise<void> {
    await Promise.all([...this.hosted.values()].map((h) => h.chain));
    await Promise.all([...this.hosted.values()].flatMap((h) => [...h.publishing]));
  }

  /** Sets (or with null clears) a fault on a bank; it applies to requests arriving or completing from now on. */
  setFault(bankId: string, fault: BankFault | null): void {
    this.bank(bankId).model.setFault(fault);
  }

  fault(bankId: string): BankFault | null {
    return this.bank(bankId).model.fault;
  }

  stats(bankId: string): BankStats {
    const h = this.bank(bankId);
    return {
      ...h.c,
      id: h.id,
      queued: h.model.queued(this.opts.timers.now()),
      declines: { ...h.c.declines },
    };
  }

  allStats(): BankStats[] {
    return this.bankIds.map((id) => this.stats(id));
  }

  private bank(id: string): Hosted {
    const h = this.hosted.get(id);
    if (!h) throw new Error(`bank ${id} is not hosted here (hosted: ${this.bankIds.join(', ')})`);
    return h;
  }

  private receive(h: Hosted, env: Envelope<unknown>): void {
    h.c.received++;
    const req = env.value;
    if (!isBankReqFor(req, h.id)) {
      h.c.invalid++;
      return;
    }
    if (isBusinessOp(req.op) && !validAmount(req.amountPaise)) {
      // A malformed amount never reaches the ledger: declined as a failed leg.
      this.run(h, async () => this.publish(h, [decline(req, req.side === 'DEBIT' ? 'U30' : 'U31')]));
      return;
    }
    const now = this.opts.timers.now();
    const adm = h.model.admit(req, now);
    switch (adm.kind) {
      case 'drop':
        h.c.dropped++;
        return;
      case 'decline-now':
        this.enqueue(h, [{ req, fail: adm.code }], ['decline']);
        return;
      case 'serve': {
        h.c.inFlight++;
        let batch = h.due.get(adm.doneAt);
        if (!batch) {
          batch = [];
          h.due.set(adm.doneAt, batch);
          const handle = this.opts.timers.setTimer(adm.doneAt - now, () => {
            this.timerHandles.delete(handle);
            this.fire(h, adm.doneAt);
          });
          this.timerHandles.add(handle);
        }
        batch.push({ req, fail: adm.fail });
      }
    }
  }

  private fire(h: Hosted, at: number): void {
    const items = h.due.get(at);
    if (!items) return;
    h.due.delete(at);
    h.c.inFlight -= items.length;
    // The fault at completion time decides: a CBS that went down meanwhile does not process its queue.
    const completions = items.map((p) => h.model.complete(p.req.op));
    this.enqueue(h, items, completions);
  }

  /** Queues completed requests for the ledger; everything queued while a batch runs makes the next batch. */
  private enqueue(h: Hosted, items: readonly Pending[], completions: readonly Completion[]): void {
    for (const p of items) h.ready.push(p);
    for (const c of completions) h.readyDone.push(c);
    if (h.draining) return;
    h.draining = true;
    this.run(h, async () => {
      try {
        while (h.ready.length > 0) {
          const batch = h.ready;
          const done = h.readyDone;
          h.ready = [];
          h.readyDone = [];
          await this.process(h, batch, done);
        }
      } finally {
        h.draining = false;
      }
    });
  }

  private run(h: Hosted, work: () => Promise<void>): void {
    h.chain = h.chain.then(work).catch(() => undefined);
  }

  /** One batch: verify technical declines against the ledger, apply the rest in one round trip, publish the replies. */
  private async process(
    h: Hosted,
    items: readonly Pending[],
    completions: readonly Completion[],
  ): Promise<void> {
    const now = this.opts.timers.now();
    const n = items.length;
    const replies: (BankResp | null)[] = new Array<BankResp | null>(n).fill(null);
    const toCheck: { i: number; code: ResponseCode }[] = [];
    const toApply: number[] = [];
    // Copies of one operation in the same batch follow the first copy's fate (one item: no copies).
    const leaderOf = n > 1 ? new Map<string, number>() : null;
    const followers: { i: number; leader: number }[] = [];
    for (let i = 0; i < n; i++) {
      const done = completions[i]!;
      if (done === 'drop') continue;
      const p = items[i]!;
      const req = p.req;
      if (!isBusinessOp(req.op)) {
        toApply.push(i);
        continue;
      }
      const key = memoKey(req);
      if (leaderOf) {
        const leader = leaderOf.get(key);
        if (leader !== undefined) {
          followers.push({ i, leader });
          continue;
        }
        leaderOf.set(key, i);
      }
      const remembered = h.memo.get(key, now);
      if (remembered) {
        replies[i] = decline(req, remembered);
        continue;
      }
      const code = done === 'decline' ? technicalDecline(req.side) : p.fail;
      if (code) toCheck.push({ i, code });
      else toApply.push(i);
    }
    try {
      // toApply is in item order unless a checked or copied item joins it below.
      let ordered = true;
      if (toCheck.length > 0) {
        const states = await Promise.all(
          toCheck.map(({ i }) => this.opts.ledger.record(items[i]!.req.txnId, items[i]!.req.side)),
        );
        toCheck.forEach(({ i, code }, k) => {
          const req = items[i]!.req;
          if (states[k] === 'NONE') {
            h.memo.set(memoKey(req), code, now);
            replies[i] = decline(req, code);
          } else {
            // Already done by an earlier copy: the ledger replays that answer, nothing moves.
            toApply.push(i);
            ordered = false;
          }
        });
      }
      for (const { i, leader } of followers) {
        const led = replies[leader];
        if (led) replies[i] = decline(items[i]!.req, led.code);
        else {
          toApply.push(i);
          ordered = false;
        }
      }
      if (!ordered) toApply.sort((a, b) => a - b);
      const ops: LedgerOp[] = [];
      const opIndex: number[] = [];
      for (const i of toApply) {
        const op = ledgerOpFor(items[i]!.req);
        opIndex.push(op ? ops.length : -1);
        if (op) ops.push(op);
      }
      const results = ops.length > 0 ? await this.opts.ledger.apply(ops) : [];
      if (ops.length > 0) {
        h.c.batches++;
        h.c.ledgerOps += ops.length;
      }
      toApply.forEach((i, k) => {
        const at = opIndex[k]!;
        replies[i] = participantReply(items[i]!.req, at >= 0 ? results[at]! : null);
      });
    } catch {
      h.c.ledgerErrors++;
      h.c.dropped += items.length;
      return;
    }
    const out = replies.filter((r): r is BankResp => r !== null);
    h.c.dropped += items.length - out.length;
    // Not awaited: the next batch's ledger round trip overlaps this publish. The bus sends publishes
    // in call order, so replies still leave in completion order.
    const sent = this.publish(h, out);
    h.publishing.add(sent);
    // publish() never rejects (it counts its own failures): one callback, not finally's two promises.
    void sent.then(() => h.publishing.delete(sent));
  }

  private async publish(h: Hosted, replies: readonly BankResp[]): Promise<void> {
    if (replies.length === 0) return;
    for (const r of replies) if (!r.ok) h.c.declines[r.code] = (h.c.declines[r.code] ?? 0) + 1;
    try {
      await this.opts.bus.publish(
        TOPICS.bankResp,
        replies.map((r) => ({ key: r.txnId, value: r })),
      );
      h.c.answered += replies.length;
    } catch {
      h.c.publishErrors++;
      h.c.dropped += replies.length;
    }
  }
}

function memoKey(req: BankReq): string {
  return `${req.txnId}|${req.op}|${req.side}`;
}

function decline(req: BankReq, code: ResponseCode): BankResp {
  return { type: 'BankResp', txnId: req.txnId, op: req.op, side: req.side, bank: req.bank, ok: false, code };
}

function validAmount(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
}

function isSide(x: unknown): x is Side {
  return x === 'DEBIT' || x === 'CREDIT';
}

/** A well-formed BankReq addressed to this bank (anything else cannot be answered sensibly). */
function isBankReqFor(x: unknown, bank: string): x is BankReq {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    r.type === 'BankReq' &&
    typeof r.txnId === 'string' &&
    r.txnId.length > 0 &&
    typeof r.op === 'string' &&
    OPS.has(r.op) &&
    isSide(r.side) &&
    r.bank === bank &&
    typeof r.account === 'string' &&
    r.account.length > 0
  );
}
