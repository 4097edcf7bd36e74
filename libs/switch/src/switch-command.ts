import {
  isCategory,
  isResponseCode,
  type Initiation,
  type ReqPay,
  type ResponseCode,
} from '../../domain/src';
import { isTimeOfDay } from '../../scheduling/src/time-of-day';
import type { Decision, DecisionRecord, OutcomeStatus, Resolution } from '../../twopc/src';
import type { TimeOfDayOrigin } from './switch-strategies';

/** A bank as the switch's breakers last saw it (replicated, so a new leader knows it too). */
export interface BankHealth {
  readonly bank: string;
  readonly up: boolean;
  /** When it changed (ms on the switch's clock). */
  readonly at: number;
}

/** A user-facing answer decided without a 2PC record: declined before any bank leg (ZH, QD, QS, U90/U91). */
export interface EarlyOutcome {
  readonly txnId: string;
  readonly status: OutcomeStatus;
  readonly code: ResponseCode;
}

/**
 * Settled payments a leader evicts (embedded and simulated runs, libs/runtime/src/retention.ts):
 * every replica drops the same ones, and refuses ReqPays created at or before `through` from then on.
 */
export interface SwitchEviction {
  /** The leader's retention cutoff (run-clock ms): every named payment was created at or before it. */
  readonly through: number;
  readonly txnIds: readonly string[];
}

/**
 * One entry of the switch's replicated log. A leader proposes one per batch: the payments it
 * registered, the 2PC records to make durable, the early declines, the txns whose records may be
 * dropped, bank-health changes, and settled payments to evict. Applied in that order. A live run's
 * clock (`PUT /admin/run-clock` on the leader) goes in an entry of its own.
 */
export interface SwitchCommand {
  readonly register?: readonly ReqPay[];
  readonly records?: readonly DecisionRecord[];
  readonly outcomes?: readonly EarlyOutcome[];
  readonly finished?: readonly string[];
  readonly health?: readonly BankHealth[];
  readonly evict?: SwitchEviction;
  /** The run's clock a live run announced: every replica's system gate reads it, a restarted one too. */
  readonly runClock?: TimeOfDayOrigin;
}

/** The log entry could not be decoded: every replica rejects it alike and changes nothing. */
export class BadSwitchCommand extends Error {
  constructor(message: string) {
    super(`switch command: ${message}`);
    this.name = 'BadSwitchCommand';
  }
}

/*
 * Wire form: JSON of positional tuples (no field names), version first. The log is on the hot
 * path — one entry per batch, copied to every replica and fsynced — so it stays small:
 *   [1, register[], records[], outcomes[], finished[], health[]] (+ evict, only when there is one,
 *   or 0 when there is none but a run clock follows) (+ runClock, only when there is one)
 *   register: [txnId, pspId, payerVpa, payeeVpa, amountPaise, category, initiation, createdAt]
 *   record:   [txnId, decision, amountPaise, debitBank, debitAccount, creditBank, creditAccount, at,
 *              status|0, code|0, resolution|0]
 *   outcome:  [txnId, status, code]
 *   health:   [bank, 1|0, at]
 *   evict:    [through, txnId[]]
 *   runClock: [clockOrigin, startTimeOfDay]
 */
const VERSION = 1;
const DECISIONS: ReadonlySet<string> = new Set<Decision>(['COMMIT', 'ABORT', 'CREDIT', 'REVERSE']);
const STATUSES: ReadonlySet<string> = new Set<OutcomeStatus>(['SUCCESS', 'DECLINED', 'DEEMED']);
const RESOLUTIONS: ReadonlySet<string> = new Set<Resolution>(['TCC', 'RET']);
const INITIATIONS: ReadonlySet<string> = new Set<Initiation>(['CUSTOMER', 'SYSTEM']);

export function encodeSwitchCommand(c: SwitchCommand): string {
  const body: unknown[] = [
    VERSION,
    (c.register ?? []).map((r) => [
      r.txnId,
      r.pspId,
      r.payerVpa,
      r.payeeVpa,
      r.amountPaise,
      r.category,
      r.initiation,
      r.createdAt,
    ]),
    (c.records ?? []).map((r) => [
      r.txnId,
      r.decision,
      r.spec.amountPaise,
      r.spec.debit.bank,
      r.spec.debit.account,
      r.spec.credit.bank,
      r.spec.credit.account,
      r.at,
      r.outcome?.status ?? 0,
      r.outcome?.code ?? 0,
      r.resolution ?? 0,
    ]),
    (c.outcomes ?? []).map((o) => [o.txnId, o.status, o.code]),
    c.finished ?? [],
    (c.health ?? []).map((h) => [h.bank, h.up ? 1 : 0, h.at]),
  ];
  // Appended only when present: every other entry keeps its bytes.
  if (c.evict) body.push([c.evict.through, c.evict.txnIds]);
  if (c.runClock) {
    if (!c.evict) body.push(0);
    body.push([c.runClock.clockOrigin, c.runClock.startTimeOfDay]);
  }
  return JSON.stringify(body);
}

/** Decodes a log entry; throws BadSwitchCommand on anything malformed (never a partial command). */
export function decodeSwitchCommand(data: string): SwitchCommand {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    throw new BadSwitchCommand('not JSON');
  }
  const top =
    Array.isArray(raw) && (raw.length === 7 || raw.length === 8)
      ? (raw as unknown[])
      : tuple(raw, 6, 'command');
  if (top[0] !== VERSION) throw new BadSwitchCommand(`unknown version ${String(top[0])}`);
  const register = list(top[1], 'register').map((x, i) => decodeReqPay(tuple(x, 8, `register[${i}]`)));
  const records = list(top[2], 'records').map((x, i) => decodeRecord(tuple(x, 11, `records[${i}]`)));
  const outcomes = list(top[3], 'outcomes').map((x, i) => {
    const t = tuple(x, 3, `outcomes[${i}]`);
    return { txnId: str(t[0], 'txnId'), status: status(t[1]), code: code(t[2]) };
  });
  const finished = list(top[4], 'finished').map((x) => str(x, 'finished txnId'));
  const health = list(top[5], 'health').map((x, i) => {
    const t = tuple(x, 3, `health[${i}]`);
    if (t[1] !== 0 && t[1] !== 1) throw new BadSwitchCommand('health up must be 0 or 1');
    return { bank: str(t[0], 'bank'), up: t[1] === 1, at: num(t[2], 'at') };
  });
  const cmd: { -readonly [K in keyof SwitchCommand]: SwitchCommand[K] } = {
    register,
    records,
    outcomes,
    finished,
    health,
  };
  if (top.length >= 7 && !(top.length === 8 && top[6] === 0)) {
    const t = tuple(top[6], 2, 'evict');
    cmd.evict = {
      through: num(t[0], 'evict through'),
      txnIds: list(t[1], 'evict txnIds').map((x) => str(x, 'evicted txnId')),
    };
  }
  if (top.length === 8) cmd.runClock = decodeRunClock(tuple(top[7], 2, 'runClock'));
  return cmd;
}

/** A run clock as the log and snapshots carry it: [clockOrigin, 'HH:MM[:SS]']. */
export function decodeRunClock(t: readonly unknown[]): TimeOfDayOrigin {
  const tod = t[1];
  if (!isTimeOfDay(tod))
    throw new BadSwitchCommand(`runClock time of day must be HH:MM[:SS], got ${String(tod)}`);
  return { clockOrigin: num(t[0], 'runClock origin'), startTimeOfDay: tod };
}

function decodeReqPay(t: readonly unknown[]): ReqPay {
  const category = t[5];
  if (!isCategory(category)) throw new BadSwitchCommand(`unknown category ${String(category)}`);
  const initiation = t[6];
  if (typeof initiation !== 'string' || !INITIATIONS.has(initiation)) {
    throw new BadSwitchCommand(`unknown initiation ${String(initiation)}`);
  }
  return {
    type: 'ReqPay',
    txnId: str(t[0], 'txnId'),
    pspId: str(t[1], 'pspId'),
    payerVpa: str(t[2], 'payerVpa'),
    payeeVpa: str(t[3], 'payeeVpa'),
    amountPaise: int(t[4], 'amountPaise'),
    category,
    initiation: initiation as Initiation,
    createdAt: num(t[7], 'createdAt'),
  };
}

function decodeRecord(t: readonly unknown[]): DecisionRecord {
  const decision = t[1];
  if (typeof decision !== 'string' || !DECISIONS.has(decision)) {
    throw new BadSwitchCommand(`unknown decision ${String(decision)}`);
  }
  const rec: {
    -readonly [K in keyof DecisionRecord]: DecisionRecord[K];
  } = {
    txnId: str(t[0], 'txnId'),
    decision: decision as Decision,
    spec: {
      txnId: str(t[0], 'txnId'),
      amountPaise: int(t[2], 'amountPaise'),
      debit: { bank: str(t[3], 'debit bank'), account: str(t[4], 'debit account') },
      credit: { bank: str(t[5], 'credit bank'), account: str(t[6], 'credit account') },
    },
    at: num(t[7], 'at'),
  };
  if (t[8] !== 0) rec.outcome = { status: status(t[8]), code: code(t[9]) };
  if (t[10] !== 0) {
    if (typeof t[10] !== 'string' || !RESOLUTIONS.has(t[10])) {
      throw new BadSwitchCommand(`unknown resolution ${String(t[10])}`);
    }
    rec.resolution = t[10] as Resolution;
  }
  return rec;
}

function tuple(x: unknown, n: number, what: string): readonly unknown[] {
  if (!Array.isArray(x) || x.length !== n) throw new BadSwitchCommand(`${what} must be a ${n}-tuple`);
  return x as unknown[];
}

function list(x: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(x)) throw new BadSwitchCommand(`${what} must be a list`);
  return x as unknown[];
}

function str(x: unknown, what: string): string {
  if (typeof x !== 'string' || x.length === 0)
    throw new BadSwitchCommand(`${what} must be a non-empty string`);
  return x;
}

function num(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new BadSwitchCommand(`${what} must be a number`);
  return x;
}

function int(x: unknown, what: string): number {
  if (!Number.isSafeInteger(x) || (x as number) < 0) {
    throw new BadSwitchCommand(`${what} must be a non-negative integer`);
  }
  return x as number;
}

function status(x: unknown): OutcomeStatus {
  if (typeof x !== 'string' || !STATUSES.has(x)) throw new BadSwitchCommand(`unknown status ${String(x)}`);
  return x as OutcomeStatus;
}

function code(x: unknown): ResponseCode {
  if (!isResponseCode(x)) throw new BadSwitchCommand(`unknown response code ${String(x)}`);
  return x;
}
