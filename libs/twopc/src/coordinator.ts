import { amountProblem, declineKind } from '../../domain/src';
import type { BankOp, BankReq, BankResp, ResponseCode, Side } from '../../domain/src';
import { EffectsBuilder } from './effects';
import type {
  CoordinatorConfig,
  Decision,
  DecisionRecord,
  Effects,
  OutcomeStatus,
  Resolution,
  TxnSpec,
} from './types';

/*
 * Txn states. Plain numbers rather than strings or objects: one small mutable record per txn keeps
 * the coordinator cheap at tens of thousands of txns per second.
 */
const C_PREPARING = 0; // classic: PREPARE sent to both sides, votes outstanding
const C_DECIDING = 1; // classic: COMMIT/ABORT record waiting to be durable
const C_PHASE2 = 2; // classic: COMMIT/ABORT sent, acks outstanding
const U_DEBITING = 3; // upi: DEBIT sent to the remitter
const U_DECIDING = 4; // upi: a record waiting to be durable; `next` says what follows
const U_CREDITING = 5; // upi: CREDIT sent to the beneficiary, within creditTimeoutMs
const U_DEEMED = 6; // upi: deemed approved, CREDIT resent until the beneficiary answers
const U_REVERSING = 7; // upi: REVERSAL resent until the remitter acks

// What a upi txn does once its pending record is durable.
const N_ABORT_DONE = 0;
const N_REVERSE = 1;
const N_CREDIT = 2;
const N_SUCCESS = 3;
const N_DEEMED = 4;
const N_TCC = 5;
const N_RET = 6;

// Timer purposes (bits of `armed`) and their key suffixes.
const T_DEBIT = 1;
const T_CREDIT = 2;
const T_RETRY = 4;
/** Resend spacing doubles at most this many times: `retryIntervalMs` x 8 at most. */
const MAX_RESEND_DOUBLINGS = 3;
const SUFFIX: Record<number, string> = { [T_DEBIT]: '#D', [T_CREDIT]: '#C', [T_RETRY]: '#R' };

// Sides still to acknowledge (bits of `acks`).
const A_DEBIT = 1;
const A_CREDIT = 2;

/** Code of an in-flight txn presumed aborted after a coordinator crash: the payer saw a timeout. */
const PRESUMED_ABORT_CODE: ResponseCode = 'UT';

class Txn {
  st = 0;
  next = 0;
  decision: Decision | null = null;
  status: OutcomeStatus | null = null;
  code: ResponseCode = '00';
  /** Votes received (classic) — bits A_DEBIT / A_CREDIT. */
  votes = 0;
  /** Phase-two acknowledgements outstanding — bits A_DEBIT / A_CREDIT. */
  acks = 0;
  /** Timers currently set — bits T_*. */
  armed = 0;
  /** Resends of the current phase-two / reversal request so far (spaces the next one, see `resendAt`). */
  resends = 0;
  constructor(readonly spec: TxnSpec) {}
}

/**
 * The 2PC coordinator as a pure state machine: inputs in (a txn to start, a bank answer, a timer,
 * a record made durable), Effects out. It reads no clock and does no I/O; `now` is passed in.
 * See libs/twopc/README.md for both protocols and the durability rule.
 */
export class Coordinator {
  private readonly txns = new Map<string, Txn>();
  private readonly fx = new EffectsBuilder();
  private readonly upi: boolean;

  constructor(private readonly cfg: CoordinatorConfig) {
    if (cfg.protocol !== 'classic-2pc' && cfg.protocol !== 'upi') {
      throw new Error(`twopc: unknown protocol ${String(cfg.protocol)}`);
    }
    for (const k of ['debitTimeoutMs', 'creditTimeoutMs', 'retryIntervalMs', 'deemedRetryMs'] as const) {
      const v = cfg[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new Error(`twopc: ${k} must be a positive number of ms, got ${String(v)}`);
      }
    }
    this.upi = cfg.protocol === 'upi';
  }

  /** Txns not finished. */
  get active(): number {
    return this.txns.size;
  }

  /** Whether `txnId` still has coordinator work (phase two, a deemed credit). */
  isActive(txnId: string): boolean {
    return this.txns.has(txnId);
  }

  /** Starts a txn. Throws on a malformed spec or a txnId that is still active. */
  start(spec: TxnSpec, now: number): Effects {
    validateSpec(spec);
    if (this.txns.has(spec.txnId)) throw new Error(`twopc: txn ${spec.txnId} is already active`);
    const t = new Txn(spec);
    this.txns.set(spec.txnId, t);
    if (this.upi) {
      t.st = U_DEBITING;
      this.send(t, 'DEBIT', 'DEBIT');
      this.arm(t, T_DEBIT, now + this.cfg.debitTimeoutMs);
    } else {
      t.st = C_PREPARING;
      this.send(t, 'PREPARE', 'DEBIT');
      this.send(t, 'PREPARE', 'CREDIT');
      this.arm(t, T_DEBIT, now + this.cfg.debitTimeoutMs);
      this.arm(t, T_CREDIT, now + this.cfg.creditTimeoutMs);
    }
    return this.fx.build();
  }

  /** A bank's answer. Duplicates, late answers, answers for unknown txns or other banks change nothing. */
  onBankResp(resp: BankResp, now: number): Effects {
    const t = this.txns.get(resp.txnId);
    if (!t) return this.fx.build();
    const leg = resp.side === 'DEBIT' ? t.spec.debit : t.spec.credit;
    if (resp.bank !== leg.bank) return this.fx.build();
    const code = declineCode(resp);
    switch (t.st) {
      case C_PREPARING: {
        if (resp.op !== 'PREPARE') break;
        const bit = resp.side === 'DEBIT' ? A_DEBIT : A_CREDIT;
        if (t.votes & bit) break;
        if (!resp.ok) {
          this.decide(t, 'ABORT', 'DECLINED', code, now);
          break;
        }
        t.votes |= bit;
        this.disarm(t, bit === A_DEBIT ? T_DEBIT : T_CREDIT);
        if (t.votes === (A_DEBIT | A_CREDIT)) this.decide(t, 'COMMIT', 'SUCCESS', '00', now);
        break;
      }
      case C_PHASE2: {
        if (!resp.ok || resp.op !== (t.decision === 'COMMIT' ? 'COMMIT' : 'ABORT')) break;
        t.acks &= ~(resp.side === 'DEBIT' ? A_DEBIT : A_CREDIT);
        if (t.acks === 0) this.finish(t);
        break;
      }
      case U_DEBITING:
        if (resp.op !== 'DEBIT' || resp.side !== 'DEBIT') break;
        this.disarm(t, T_DEBIT);
        if (resp.ok) this.record(t, 'CREDIT', N_CREDIT, now);
        else this.record(t, 'ABORT', N_ABORT_DONE, now, 'DECLINED', code);
        break;
      case U_CREDITING:
        if (resp.op !== 'CREDIT' || resp.side !== 'CREDIT') break;
        this.disarm(t, T_CREDIT);
        if (resp.ok) this.record(t, 'CREDIT', N_SUCCESS, now, 'SUCCESS', '00');
        else this.record(t, 'REVERSE', N_REVERSE, now, 'DECLINED', code);
        break;
      case U_DEEMED:
        if (resp.op !== 'CREDIT' || resp.side !== 'CREDIT') break;
        this.disarm(t, T_RETRY);
        if (resp.ok) this.record(t, 'CREDIT', N_TCC, now, null, '00', 'TCC');
        else this.record(t, 'REVERSE', N_RET, now, null, '00', 'RET');
        break;
      case U_REVERSING:
        if (resp.ok && resp.op === 'REVERSAL' && resp.side === 'DEBIT') this.finish(t);
        break;
      // C_DECIDING / U_DECIDING: the decision is taken; answers no longer matter.
    }
    return this.fx.build();
  }

  /** A timer set earlier is due. Unknown, cancelled or superseded keys change nothing. */
  onTimer(key: string, now: number): Effects {
    const cut = key.length - 2;
    const purpose = cut > 0 && key.charCodeAt(cut) === 35 /* # */ ? key[cut + 1] : '';
    const bit = purpose === 'D' ? T_DEBIT : purpose === 'C' ? T_CREDIT : purpose === 'R' ? T_RETRY : 0;
    const t = bit ? this.txns.get(key.slice(0, cut)) : undefined;
    if (!t || !(t.armed & bit)) return this.fx.build();
    t.armed &= ~bit;
    switch (t.st) {
      case C_PREPARING:
        if (bit === T_DEBIT) this.decide(t, 'ABORT', 'DECLINED', 'UT', now);
        else if (bit === T_CREDIT) this.decide(t, 'ABORT', 'DECLINED', 'BT', now);
        break;
      case C_PHASE2:
        if (bit !== T_RETRY) break;
        this.sendPhaseTwo(t);
        this.arm(t, T_RETRY, this.resendAt(t, now));
        break;
      case U_DEBITING:
        if (bit === T_DEBIT) this.record(t, 'REVERSE', N_REVERSE, now, 'DECLINED', 'UT');
        break;
      case U_CREDITING:
        if (bit === T_CREDIT) this.record(t, 'CREDIT', N_DEEMED, now, 'DEEMED', 'RB');
        break;
      case U_DEEMED:
        if (bit !== T_RETRY) break;
        this.send(t, 'CREDIT', 'CREDIT');
        this.arm(t, T_RETRY, now + this.cfg.deemedRetryMs);
        break;
      case U_REVERSING:
        if (bit !== T_RETRY) break;
        this.send(t, 'REVERSAL', 'DEBIT');
        this.arm(t, T_RETRY, this.resendAt(t, now));
        break;
    }
    return this.fx.build();
  }

  /** The host made the txn's pending record durable: phase two (or the next step) may go ahead. */
  decisionDurable(txnId: string, now: number): Effects {
    const t = this.txns.get(txnId);
    if (!t) return this.fx.build();
    if (t.st === C_DECIDING) {
      this.announce(t);
      this.startPhaseTwo(t, now);
    } else if (t.st === U_DECIDING) {
      this.afterUpiRecord(t, now);
    }
    return this.fx.build();
  }

  /**
   * Rebuilds a coordinator after a crash. `records` are the durable decision records in append
   * order; `inFlight` the txns started but without any record (presumed abort: their abort is
   * recorded anew, then sent). Decided txns finish phase two; durable outcomes and resolutions
   * are announced again, so the host must dedupe them by txnId across a crash.
   */
  static recover(
    cfg: CoordinatorConfig,
    records: readonly DecisionRecord[],
    inFlight: readonly TxnSpec[],
    now: number,
  ): { coordinator: Coordinator; effects: Effects } {
    const c = new Coordinator(cfg);
    const folded = foldRecords(records);
    for (const f of folded.values()) c.resume(f, now);
    for (const spec of inFlight) {
      if (folded.has(spec.txnId) || c.txns.has(spec.txnId)) continue;
      validateSpec(spec);
      const t = new Txn(spec);
      c.txns.set(spec.txnId, t);
      if (c.upi) c.record(t, 'REVERSE', N_REVERSE, now, 'DECLINED', PRESUMED_ABORT_CODE);
      else c.decide(t, 'ABORT', 'DECLINED', PRESUMED_ABORT_CODE, now);
    }
    return { coordinator: c, effects: c.fx.build() };
  }

  // ---- internals -------------------------------------------------------------------------------

  private resume(f: Folded, now: number): void {
    const t = new Txn(f.spec);
    t.decision = f.decision;
    if (f.outcome) {
      t.status = f.outcome.status;
      t.code = f.outcome.code;
    }
    this.txns.set(t.spec.txnId, t);
    const classic = f.decision === 'COMMIT' || (f.decision === 'ABORT' && !this.upi);
    if (classic) {
      this.announce(t);
      this.startPhaseTwo(t, now);
      return;
    }
    this.announce(t);
    if (f.resolution) this.fx.resolution({ txnId: t.spec.txnId, resolution: f.resolution });
    switch (f.decision) {
      case 'ABORT':
        this.finish(t);
        return;
      case 'REVERSE':
        this.startReversal(t, now);
        return;
      case 'CREDIT':
        if (f.resolution === 'TCC' || t.status === 'SUCCESS') {
          this.finish(t);
        } else if (t.status === 'DEEMED') {
          t.st = U_DEEMED;
          this.send(t, 'CREDIT', 'CREDIT');
          this.arm(t, T_RETRY, now + this.cfg.deemedRetryMs);
        } else {
          this.startCredit(t, now);
        }
    }
  }

  /** classic: takes the decision and asks for it to be made durable. */
  private decide(
    t: Txn,
    d: 'COMMIT' | 'ABORT',
    status: OutcomeStatus,
    code: ResponseCode,
    now: number,
  ): void {
    this.disarm(t, T_DEBIT);
    this.disarm(t, T_CREDIT);
    t.decision = d;
    t.status = status;
    t.code = code;
    t.st = C_DECIDING;
    this.fx.persistRecord({
      txnId: t.spec.txnId,
      decision: d,
      spec: t.spec,
      at: now,
      outcome: { status, code },
    });
  }

  /**
   * When to resend a phase-two or reversal request not yet acked: `retryIntervalMs`, doubling with
   * each resend up to 8x. A bank serves every copy it receives, so resending at a fixed pace while
   * its queue is longer than the interval adds copies faster than it drains them: after a stall
   * (a switch failover) a fixed 500 ms pace turned a few seconds of delay into a retry storm that
   * timed out every new leg for 20 s (docs/raft.md, "Failover under load").
   */
  private resendAt(t: Txn, now: number): number {
    t.resends++;
    return now + this.cfg.retryIntervalMs * 2 ** Math.min(t.resends, MAX_RESEND_DOUBLINGS);
  }

  private startPhaseTwo(t: Txn, now: number): void {
    t.st = C_PHASE2;
    t.resends = 0;
    t.acks = A_DEBIT | A_CREDIT;
    this.sendPhaseTwo(t);
    this.arm(t, T_RETRY, now + this.cfg.retryIntervalMs);
  }

  private sendPhaseTwo(t: Txn): void {
    const op: BankOp = t.decision === 'COMMIT' ? 'COMMIT' : 'ABORT';
    if (t.acks & A_DEBIT) this.send(t, op, 'DEBIT');
    if (t.acks & A_CREDIT) this.send(t, op, 'CREDIT');
  }

  /** upi: records the next step (with the outcome or resolution it makes known) and waits for durability. */
  private record(
    t: Txn,
    d: Decision,
    next: number,
    now: number,
    status: OutcomeStatus | null = null,
    code: ResponseCode = '00',
    resolution?: Resolution,
  ): void {
    t.decision = d;
    t.next = next;
    t.st = U_DECIDING;
    if (status) {
      t.status = status;
      t.code = code;
    }
    const rec: DecisionRecord = status
      ? { txnId: t.spec.txnId, decision: d, spec: t.spec, at: now, outcome: { status, code } }
      : resolution
        ? { txnId: t.spec.txnId, decision: d, spec: t.spec, at: now, resolution }
        : { txnId: t.spec.txnId, decision: d, spec: t.spec, at: now };
    this.fx.persistRecord(rec);
  }

  private afterUpiRecord(t: Txn, now: number): void {
    switch (t.next) {
      case N_ABORT_DONE:
        this.announce(t);
        this.finish(t);
        return;
      case N_REVERSE:
        this.announce(t);
        this.startReversal(t, now);
        return;
      case N_RET:
        this.fx.resolution({ txnId: t.spec.txnId, resolution: 'RET' });
        this.startReversal(t, now);
        return;
      case N_CREDIT:
        this.startCredit(t, now);
        return;
      case N_SUCCESS:
        this.announce(t);
        this.finish(t);
        return;
      case N_DEEMED:
        this.announce(t);
        t.st = U_DEEMED;
        this.arm(t, T_RETRY, now + this.cfg.deemedRetryMs);
        return;
      case N_TCC:
        this.fx.resolution({ txnId: t.spec.txnId, resolution: 'TCC' });
        this.finish(t);
        return;
    }
  }

  private startCredit(t: Txn, now: number): void {
    t.st = U_CREDITING;
    this.send(t, 'CREDIT', 'CREDIT');
    this.arm(t, T_CREDIT, now + this.cfg.creditTimeoutMs);
  }

  private startReversal(t: Txn, now: number): void {
    t.st = U_REVERSING;
    t.resends = 0;
    this.send(t, 'REVERSAL', 'DEBIT');
    this.arm(t, T_RETRY, now + this.cfg.retryIntervalMs);
  }

  private announce(t: Txn): void {
    if (!t.status) return;
    this.fx.outcome({
      txnId: t.spec.txnId,
      status: t.status,
      code: t.code,
      decline: t.status === 'SUCCESS' ? null : declineKind(t.code),
    });
  }

  private finish(t: Txn): void {
    this.disarm(t, T_DEBIT);
    this.disarm(t, T_CREDIT);
    this.disarm(t, T_RETRY);
    this.txns.delete(t.spec.txnId);
    this.fx.finish(t.spec.txnId);
  }

  private send(t: Txn, op: BankOp, side: Side): void {
    const leg = side === 'DEBIT' ? t.spec.debit : t.spec.credit;
    const req: BankReq = {
      type: 'BankReq',
      txnId: t.spec.txnId,
      op,
      side,
      bank: leg.bank,
      account: leg.account,
      amountPaise: t.spec.amountPaise,
    };
    this.fx.sendReq(req);
  }

  private arm(t: Txn, bit: number, atMs: number): void {
    t.armed |= bit;
    this.fx.setTimer(t.spec.txnId + SUFFIX[bit], atMs);
  }

  private disarm(t: Txn, bit: number): void {
    if (!(t.armed & bit)) return;
    t.armed &= ~bit;
    this.fx.cancelTimer(t.spec.txnId + SUFFIX[bit]);
  }
}

interface Folded {
  spec: TxnSpec;
  decision: Decision;
  outcome: DecisionRecord['outcome'];
  resolution: Resolution | undefined;
}

/** One entry per txn: the last decision, the latest outcome and any resolution. */
function foldRecords(records: readonly DecisionRecord[]): Map<string, Folded> {
  const out = new Map<string, Folded>();
  for (const r of records) {
    const f = out.get(r.txnId);
    if (!f) {
      validateSpec(r.spec);
      out.set(r.txnId, { spec: r.spec, decision: r.decision, outcome: r.outcome, resolution: r.resolution });
      continue;
    }
    f.decision = r.decision;
    if (r.outcome) f.outcome = r.outcome;
    if (r.resolution) f.resolution = r.resolution;
  }
  return out;
}

/** A decline must carry a decline code; a bank that says not-ok with '00' gets the side's generic failure. */
function declineCode(resp: BankResp): ResponseCode {
  if (resp.ok || resp.code !== '00') return resp.code;
  return resp.side === 'DEBIT' ? 'U30' : 'U31';
}

function validateSpec(spec: TxnSpec): void {
  if (!spec || typeof spec.txnId !== 'string' || spec.txnId.length === 0) {
    throw new Error('twopc: txnId must be a non-empty string');
  }
  const p = amountProblem(spec.amountPaise, Number.MAX_SAFE_INTEGER);
  if (p) throw new Error(`twopc: txn ${spec.txnId}: amountPaise is invalid (${p})`);
  for (const side of ['debit', 'credit'] as const) {
    const leg = spec[side];
    if (
      !leg ||
      typeof leg.bank !== 'string' ||
      !leg.bank ||
      typeof leg.account !== 'string' ||
      !leg.account
    ) {
      throw new Error(`twopc: txn ${spec.txnId}: ${side} needs a bank and an account`);
    }
  }
}
