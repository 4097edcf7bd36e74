import type { LegAdmission } from '../../resilience/src';
import {
  declineKind,
  isResponseCode,
  type DeclineKind,
  type HandleRegistry,
  type Paise,
  type ReqChkTxn,
  type ReqPay,
  type RespChkTxn,
  type RespPay,
  type ResponseCode,
  type TimerHandle,
  type Timers,
  type TxnStatus,
} from '../../domain/src';
import type { Bus } from '../../transport/src/bus';
import { TOPICS } from '../../transport/src/topics';
import { fingerprintOf, type IdempotencyStore, type StoredAnswer } from './idempotency';
import {
  IDEMPOTENCY_HEADER,
  validateIdempotencyKey,
  validatePayment,
  type ApiError,
  type PaymentRequest,
} from './validate';

/**
 * NPCI's status-check rules (from 16 June 2025): at most 3 checks, at least 90 s apart, the first
 * 45–90 s after the payment (sources differ, hence a parameter), each answered within 10 s.
 */
export interface StatusCheckPolicy {
  /** Delay of the first check, counted from when the PSP accepted the payment. */
  readonly firstAfterMs: number;
  /** Minimum gap between two checks, counted from when the earlier one was sent. */
  readonly intervalMs: number;
  readonly maxChecks: number;
  /** How long one ReqChkTxn waits for its RespChkTxn. */
  readonly timeoutMs: number;
}

export const DEFAULT_STATUS_CHECKS: StatusCheckPolicy = {
  firstAfterMs: 90_000,
  intervalMs: 90_000,
  maxChecks: 3,
  timeoutMs: 10_000,
};

/** Where a payment's outcome came from. */
export type OutcomeSource = 'RESP_PAY' | 'CHK_TXN';

export interface PaymentRecord extends PaymentRequest {
  readonly txnId: string;
  readonly idempotencyKey: string;
  readonly status: TxnStatus;
  readonly code: ResponseCode | null;
  readonly decline: DeclineKind | null;
  readonly source: OutcomeSource | null;
  readonly createdAt: number;
  /** When the HTTP answer (final or 202 PENDING) was given. */
  readonly answeredAt: number | null;
  /** When the outcome became known. */
  readonly resolvedAt: number | null;
  readonly statusChecks: number;
  /** True once every allowed status check was spent without learning the outcome. */
  readonly checksExhausted: boolean;
}

/** Told when the payer got an answer (ANSWERED) and when a payment answered PENDING later resolved (RESOLVED). */
export interface PaymentObservation {
  readonly phase: 'ANSWERED' | 'RESOLVED';
  readonly record: PaymentRecord;
  /** From acceptance to this phase. */
  readonly latencyMs: number;
}

export interface PayResult {
  readonly httpStatus: 200 | 202 | 400 | 409 | 503;
  readonly body: Readonly<Record<string, unknown>>;
  /** True when the answer repeats an earlier request's (same Idempotency-Key and body). */
  readonly replayed: boolean;
}

export interface PspCoreOptions {
  readonly bus: Bus;
  readonly timers: Timers;
  readonly handles: HandleRegistry;
  readonly limitPaise: Paise;
  /** How long the HTTP request waits for the outcome; after this it is answered 202 PENDING. */
  readonly answerWaitMs: number;
  /** ReqPay → RespPay timeout (NPCI: 15 s); after it the PSP falls back to status checks. */
  readonly upiTimeoutMs: number;
  readonly store: IdempotencyStore;
  /** Transaction id source, injected so runs are reproducible. */
  readonly txnIds: () => string;
  readonly statusChecks?: Partial<StatusCheckPolicy>;
  readonly observe?: (obs: PaymentObservation) => void;
  /** Told about failures that cannot reach the payer (an idempotency store write, an observer). Default: ignore. */
  readonly onError?: (err: unknown, where: string) => void;
  /**
   * The PSP's breaker (or adaptive limit) toward the switch, destination `SWITCH`. When it refuses,
   * the payment is not sent: 503 SWITCH_UNAVAILABLE, and the Idempotency-Key is given back.
   */
  readonly switchAdmission?: LegAdmission;
  /** Records kept for GET /v1/payments/:txnId; the oldest finished ones go first. Default 1,000,000. */
  readonly maxRecords?: number;
}

type MutableRecord = { -readonly [K in keyof PaymentRecord]: PaymentRecord[K] };

interface InFlight {
  readonly fingerprint: string;
  readonly answer: Promise<PayResult>;
}

const FINAL: ReadonlySet<string> = new Set<TxnStatus>(['SUCCESS', 'DECLINED', 'DEEMED']);

/**
 * The payer PSP: validates a payment, decides what an Idempotency-Key retry gets, sends ReqPay to
 * the switch and waits for RespPay up to `answerWaitMs` (then answers 202 PENDING and keeps the
 * record). When the switch does not answer within `upiTimeoutMs` it asks with ReqChkTxn under
 * NPCI's status-check rules; a payment whose outcome never arrives stays PENDING.
 *
 * Idempotency: the same key with the same body gets the first request's answer (waiting for it if
 * it is still in flight) and never causes a second ReqPay; the same key with another body is a 409.
 * Validation errors are not remembered, so a client may fix its body and retry with the same key.
 */
export class PspCore {
  private readonly o: PspCoreOptions;
  private readonly checks: StatusCheckPolicy;
  private readonly maxRecords: number;
  private readonly records = new Map<string, MutableRecord>();
  /** Requests of this process still waiting for their first answer, by Idempotency-Key. */
  private readonly inflight = new Map<string, InFlight>();
  /** Serialises idempotency-store writes per payment, so a 202 never overwrites the final answer. */
  private readonly storeWrites = new Map<string, Promise<void>>();
  private readonly timersSet = new Set<TimerHandle>();
  private stopped = false;

  constructor(opts: PspCoreOptions) {
    for (const k of ['answerWaitMs', 'upiTimeoutMs', 'limitPaise'] as const) {
      if (!Number.isFinite(opts[k]) || opts[k] < 0) throw new RangeError(`${k} must be a finite number >= 0`);
    }
    this.o = opts;
    this.checks = { ...DEFAULT_STATUS_CHECKS, ...opts.statusChecks };
    if (!Number.isInteger(this.checks.maxChecks) || this.checks.maxChecks < 0) {
      throw new RangeError('statusChecks.maxChecks must be an integer >= 0');
    }
    this.maxRecords = opts.maxRecords ?? 1_000_000;
  }

  async pay(key: unknown, body: unknown): Promise<PayResult> {
    const k = validateIdempotencyKey(key);
    if (!k.ok) return errorResult(400, k.error);
    const v = validatePayment(body, this.o);
    if (!v.ok) return errorResult(400, v.error);
    if (this.stopped) throw new Error('PSP core is stopped');
    const fingerprint = fingerprintOf(v.value);

    const local = this.inflight.get(k.value);
    if (local) {
      if (local.fingerprint !== fingerprint) return conflict();
      return { ...(await local.answer), replayed: true };
    }
    const answer = this.claimAndPay(k.value, fingerprint, v.value);
    this.inflight.set(k.value, { fingerprint, answer });
    try {
      return await answer;
    } finally {
      this.inflight.delete(k.value);
    }
  }

  /**
   * Drops a payment's record once it is final (a pending one keeps its status checks): embedded
   * runs evict settled payments past the retention window (libs/runtime/src/retention.ts).
   */
  forget(txnId: string): void {
    if (this.records.get(txnId)?.status !== 'PENDING') this.records.delete(txnId);
  }

  /** The PSP's record of a payment, or null when unknown (never seen, or evicted). */
  get(txnId: string): PaymentRecord | null {
    return this.records.get(txnId) ?? null;
  }

  /** The payer-facing status of a payment (GET /v1/payments/:txnId), or null when unknown. */
  status(txnId: string): Readonly<Record<string, unknown>> | null {
    const r = this.records.get(txnId);
    if (!r) return null;
    return {
      txnId: r.txnId,
      status: r.status,
      code: r.code,
      decline: r.decline,
      latencyMs: latencyOf(r),
      statusChecks: r.statusChecks,
    };
  }

  /** Payments whose outcome is not known yet. */
  get pending(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.status === 'PENDING') n++;
    return n;
  }

  /** Cancels pending status checks and answer waits (run shutdown); later calls to `pay` throw. */
  stop(): void {
    this.stopped = true;
    for (const h of this.timersSet) this.o.timers.clearTimer(h);
    this.timersSet.clear();
  }

  private async claimAndPay(key: string, fingerprint: string, req: PaymentRequest): Promise<PayResult> {
    const txnId = this.o.txnIds();
    const claim = await this.o.store.claim(key, fingerprint, txnId);
    switch (claim.kind) {
      case 'CONFLICT':
        return conflict();
      case 'IN_FLIGHT':
        // Another process holds the key and has not answered yet: point the client at the payment.
        return { httpStatus: 202, body: pendingBody(claim.txnId), replayed: true };
      case 'DONE':
        return { ...this.freshen(claim.txnId, claim.answer), replayed: true };
      case 'NEW':
        break;
    }
    if (this.o.switchAdmission && !this.o.switchAdmission.admit(SWITCH, txnId)) {
      await this.o.store.release(key, fingerprint, txnId);
      return errorResult(503, {
        code: 'SWITCH_UNAVAILABLE',
        message: "the PSP's circuit breaker toward the switch is open; nothing was sent, retry later",
        field: null,
      });
    }
    const answer = await this.start(key, fingerprint, txnId, req);
    await this.storeAnswer(key, fingerprint, txnId);
    return { ...answer, replayed: false };
  }

  /** A stored 202 may be stale: if this process has learnt the outcome since, answer that. */
  private freshen(txnId: string, stored: StoredAnswer): StoredAnswer {
    const r = this.records.get(txnId);
    return stored.httpStatus === 202 && r && FINAL.has(r.status) ? finalAnswer(r) : stored;
  }

  /** Sends ReqPay and resolves with the HTTP answer: the outcome, or 202 once the wait runs out. */
  private start(key: string, fingerprint: string, txnId: string, req: PaymentRequest): Promise<StoredAnswer> {
    const { timers, bus } = this.o;
    const createdAt = timers.now();
    // Fields listed, not spread: this runs once per payment on the hot path.
    const rec: MutableRecord = {
      payerVpa: req.payerVpa,
      payeeVpa: req.payeeVpa,
      amountPaise: req.amountPaise,
      category: req.category,
      initiation: req.initiation,
      note: req.note,
      pspId: req.pspId,
      txnId,
      idempotencyKey: key,
      status: 'PENDING',
      code: null,
      decline: null,
      source: null,
      createdAt,
      answeredAt: null,
      resolvedAt: null,
      statusChecks: 0,
      checksExhausted: false,
    };
    this.records.set(txnId, rec);
    this.evict();
    const reqPay: ReqPay = {
      type: 'ReqPay',
      txnId,
      pspId: req.pspId,
      payerVpa: req.payerVpa,
      payeeVpa: req.payeeVpa,
      amountPaise: req.amountPaise,
      category: req.category,
      initiation: req.initiation,
      createdAt,
    };

    return new Promise<StoredAnswer>((resolveAnswer) => {
      const answer = () => {
        if (rec.answeredAt !== null) return;
        this.clear(waitTimer);
        rec.answeredAt = timers.now();
        this.emit('ANSWERED', rec, rec.answeredAt);
        resolveAnswer(
          FINAL.has(rec.status) ? finalAnswer(rec) : { httpStatus: 202, body: pendingBody(txnId) },
        );
      };
      const waitTimer = this.setTimer(this.o.answerWaitMs, answer);
      let sent: Promise<RespPay>;
      try {
        sent = bus.request<ReqPay, RespPay>(TOPICS.reqPay, txnId, reqPay, this.o.upiTimeoutMs);
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (resp) => {
          // Any answer, even a decline, shows the switch is up.
          this.o.switchAdmission?.record(SWITCH, txnId, 'ok');
          if (isRespPay(resp, txnId)) {
            this.resolve(rec, resp.status, resp.code, 'RESP_PAY', key, fingerprint);
          } else {
            this.report(new Error(`malformed RespPay for ${txnId}`), 'reqpay');
            this.scheduleCheck(rec, key, fingerprint);
          }
          answer();
        },
        // Timeout (or a closed bus): the switch may still have it, so ask later rather than guess.
        () => {
          this.o.switchAdmission?.record(SWITCH, txnId, 'technical');
          answer();
          this.scheduleCheck(rec, key, fingerprint);
        },
      );
    });
  }

  /** Records the outcome once; a payment already answered 202 gets its stored answer upgraded. */
  private resolve(
    rec: MutableRecord,
    status: Exclude<TxnStatus, 'PENDING'>,
    code: ResponseCode,
    source: OutcomeSource,
    key: string,
    fingerprint: string,
  ): void {
    if (rec.status !== 'PENDING') return;
    rec.status = status;
    rec.code = code;
    rec.decline = declineKind(code);
    rec.source = source;
    rec.resolvedAt = this.o.timers.now();
    if (rec.answeredAt !== null) {
      this.emit('RESOLVED', rec, rec.resolvedAt);
      void this.storeAnswer(key, fingerprint, rec.txnId);
    }
  }

  private scheduleCheck(rec: MutableRecord, key: string, fingerprint: string): void {
    if (this.stopped || rec.status !== 'PENDING') return;
    if (rec.statusChecks >= this.checks.maxChecks) {
      rec.checksExhausted = true;
      return;
    }
    const now = this.o.timers.now();
    const due =
      rec.statusChecks === 0 ? rec.createdAt + this.checks.firstAfterMs : now + this.checks.intervalMs;
    this.setTimer(Math.max(0, due - now), () => this.check(rec, key, fingerprint));
  }

  private check(rec: MutableRecord, key: string, fingerprint: string): void {
    if (rec.status !== 'PENDING') return;
    rec.statusChecks++;
    const req: ReqChkTxn = { type: 'ReqChkTxn', txnId: rec.txnId, pspId: rec.pspId };
    this.o.bus.request<ReqChkTxn, RespChkTxn>(TOPICS.chkTxn, rec.txnId, req, this.checks.timeoutMs).then(
      (resp) => {
        if (isRespChkTxn(resp, rec.txnId) && FINAL.has(resp.status) && resp.code !== null) {
          this.resolve(
            rec,
            resp.status as Exclude<TxnStatus, 'PENDING'>,
            resp.code,
            'CHK_TXN',
            key,
            fingerprint,
          );
        } else {
          this.scheduleCheck(rec, key, fingerprint);
        }
      },
      () => this.scheduleCheck(rec, key, fingerprint),
    );
  }

  /**
   * Writes the payment's current answer for its key. Writes are chained per payment and each one
   * reads the record when it runs, so a late 202 write can never replace a stored outcome.
   */
  private storeAnswer(key: string, fingerprint: string, txnId: string): Promise<void> {
    const write = (): Promise<void> | undefined => {
      const rec = this.records.get(txnId);
      if (!rec) return;
      const answer: StoredAnswer = FINAL.has(rec.status)
        ? finalAnswer(rec)
        : { httpStatus: 202, body: pendingBody(txnId) };
      return this.o.store.complete(key, fingerprint, answer);
    };
    const prev = this.storeWrites.get(txnId);
    // With no write in flight for the payment (the usual case) this one starts now.
    let started: Promise<void> | undefined;
    if (prev) started = prev.then(write);
    else {
      try {
        started = Promise.resolve(write());
      } catch (err) {
        started = Promise.reject(err);
      }
    }
    const done = () => {
      if (this.storeWrites.get(txnId) === next) this.storeWrites.delete(txnId);
    };
    const next: Promise<void> = started.then(done, (err: unknown) => {
      this.report(err, 'idempotency-store');
      done();
    });
    this.storeWrites.set(txnId, next);
    return next;
  }

  private emit(phase: PaymentObservation['phase'], rec: MutableRecord, at: number): void {
    if (!this.o.observe) return;
    try {
      this.o.observe({ phase, record: { ...rec }, latencyMs: at - rec.createdAt });
    } catch (err) {
      this.report(err, 'observe');
    }
  }

  private report(err: unknown, where: string): void {
    try {
      this.o.onError?.(err, where);
    } catch {
      // A broken error sink must not break a payment.
    }
  }

  private setTimer(delayMs: number, fn: () => void): TimerHandle {
    const h: TimerHandle = this.o.timers.setTimer(delayMs, () => {
      this.timersSet.delete(h);
      fn();
    });
    this.timersSet.add(h);
    return h;
  }

  private clear(h: TimerHandle): void {
    this.o.timers.clearTimer(h);
    this.timersSet.delete(h);
  }

  /** Drops the oldest finished records beyond maxRecords; pending ones are kept (moved to the back). */
  private evict(): void {
    let budget = this.records.size;
    while (this.records.size > this.maxRecords && budget-- > 0) {
      const [txnId, r] = this.records.entries().next().value as [string, MutableRecord];
      this.records.delete(txnId);
      if (r.status === 'PENDING') this.records.set(txnId, r);
    }
  }
}

function pendingBody(txnId: string): Record<string, unknown> {
  return { txnId, status: 'PENDING' };
}

function finalAnswer(r: PaymentRecord): StoredAnswer {
  return {
    httpStatus: 200,
    body: {
      txnId: r.txnId,
      status: r.status,
      code: r.code,
      decline: r.decline,
      latencyMs: latencyOf(r),
    },
  };
}

/** Whole milliseconds for the payer (wall clocks give fractions); observers get the exact value. */
function latencyOf(r: PaymentRecord): number | null {
  return r.resolvedAt === null ? null : Math.round(r.resolvedAt - r.createdAt);
}

function errorResult(httpStatus: 400 | 409 | 503, error: ApiError): PayResult {
  return { httpStatus, body: { error }, replayed: false };
}

/** The destination name of the PSP's breaker toward the switch. */
const SWITCH = 'SWITCH';

function conflict(): PayResult {
  return errorResult(409, {
    code: 'IDEMPOTENCY_CONFLICT',
    message: `this ${IDEMPOTENCY_HEADER} was already used with a different request body`,
    field: IDEMPOTENCY_HEADER,
  });
}

function isRespPay(x: unknown, txnId: string): x is RespPay {
  const r = x as RespPay | null;
  return !!r && r.txnId === txnId && FINAL.has(r.status) && isResponseCode(r.code);
}

function isRespChkTxn(x: unknown, txnId: string): x is RespChkTxn {
  const r = x as RespChkTxn | null;
  return (
    !!r && r.txnId === txnId && typeof r.status === 'string' && (r.code === null || isResponseCode(r.code))
  );
}
