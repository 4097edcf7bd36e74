import { Random } from '../../../domain/src';
import type { BankReq, BankResp, TimerHandle } from '../../../domain/src';
import type { LedgerStore, RecordState } from '../../../ledger/src/ledger-store';
import { VirtualTimers } from '../../../sim/src/virtual-timers';
import { Coordinator, ledgerOpFor, participantReply } from '../../src';
import type {
  CoordinatorConfig,
  DecisionRecord,
  Effects,
  Outcome,
  Protocol,
  Resolution,
  TxnSpec,
} from '../../src';
import { SimNetwork } from './network';

export interface SimOptions {
  seed: number;
  protocol: Protocol;
  makeLedger: () => LedgerStore;
  trace?: boolean;
  txns?: number;
}

/** What a run exercised, summed over seeds to show the paths were all taken. */
export type SimStats = Record<string, number>;

export interface SimResult {
  failures: string[];
  trace: string[];
  stats: SimStats;
}

const BANKS = ['SBI', 'HDFC', 'ICICI'];
const ACCOUNTS_PER_BANK = 3;
const GHOST = 'ghost'; // a payee account no bank has: its credit is declined (U31)
const FAULTS_END_MS = 3_000;
const TRAFFIC_END_MS = 2_000;
const MAX_EVENTS = 200_000;

const CFG: Record<Protocol, CoordinatorConfig> = {
  'classic-2pc': {
    protocol: 'classic-2pc',
    debitTimeoutMs: 200,
    creditTimeoutMs: 250,
    retryIntervalMs: 100,
    deemedRetryMs: 300,
  },
  upi: {
    protocol: 'upi',
    debitTimeoutMs: 200,
    creditTimeoutMs: 250,
    retryIntervalMs: 100,
    deemedRetryMs: 300,
  },
};

interface SimBank {
  name: string;
  ledger: LedgerStore;
  up: boolean;
  epoch: number;
}

/**
 * One seeded run: a coordinator host (timers, a decision log with asynchronous durability, crash
 * and `recover`), banks whose participants apply `participant.ts` to their ledgers (crash drops
 * messages; the ledger survives), a faulty network, and concurrent traffic. Faults stop at
 * FAULTS_END_MS; the run then quiesces and the invariants are checked.
 */
export async function runSim(opts: SimOptions): Promise<SimResult> {
  const rnd = new Random(opts.seed);
  const netRnd = rnd.fork('net');
  const faultRnd = rnd.fork('faults');
  const trafficRnd = rnd.fork('traffic');
  const logRnd = rnd.fork('log');
  const timers = new VirtualTimers(0);
  const cfg = CFG[opts.protocol];
  const upi = opts.protocol === 'upi';
  const traceLines: string[] = [];
  const failures: string[] = [];
  const stats: SimStats = {};
  const count = (k: string) => (stats[k] = (stats[k] ?? 0) + 1);
  const trace = opts.trace
    ? (line: string) => traceLines.push(`${String(timers.now()).padStart(6)} ${line}`)
    : () => undefined;
  const fail = (msg: string) => {
    failures.push(msg);
    trace(`FAIL ${msg}`);
  };

  const net = new SimNetwork(
    timers,
    netRnd,
    { loss: 0.03 + netRnd.next() * 0.12, duplicate: netRnd.next() * 0.15, slow: netRnd.next() * 0.15 },
    trace,
  );

  // ---- banks and accounts -----------------------------------------------------------------------
  const banks = new Map<string, SimBank>();
  const opening = new Map<string, number>(); // account → opening balance
  const accounts: { bank: string; account: string }[] = [];
  for (const name of BANKS) {
    const ledger = opts.makeLedger();
    const opened = [];
    for (let i = 0; i < ACCOUNTS_PER_BANK; i++) {
      const account = `${name}-${i}`;
      const balancePaise = 500 + trafficRnd.int(4_000);
      opened.push({ account, bank: name, vpa: `${account.toLowerCase()}@sim`, balancePaise });
      opening.set(account, balancePaise);
      accounts.push({ bank: name, account });
    }
    await ledger.open(opened);
    banks.set(name, { name, ledger, up: true, epoch: 0 });
  }

  // ---- the coordinator host ---------------------------------------------------------------------
  const durable: DecisionRecord[] = [];
  const lastDurable = new Map<string, DecisionRecord['decision']>();
  const everDecided = new Map<string, Set<DecisionRecord['decision']>>();
  const pending = new Map<string, DecisionRecord>(); // txnId → record not yet durable
  const registered: TxnSpec[] = [];
  const outcomes = new Map<string, Outcome>();
  const resolutions = new Map<string, Resolution>();
  let announcedThisLife = new Set<string>();
  let coord: Coordinator | null = new Coordinator(cfg);
  let epoch = 0;
  const coordTimers = new Map<string, TimerHandle>();

  const makeDurable = (r: DecisionRecord) => {
    durable.push(r);
    lastDurable.set(r.txnId, r.decision);
    let s = everDecided.get(r.txnId);
    if (!s) everDecided.set(r.txnId, (s = new Set()));
    s.add(r.decision);
  };

  const apply = (fx: Effects) => {
    const c = coord!;
    const now = timers.now();
    for (const key of fx.cancelTimers) {
      const h = coordTimers.get(key);
      if (h) timers.clearTimer(h);
      coordTimers.delete(key);
    }
    for (const { key, atMs } of fx.timers) {
      const old = coordTimers.get(key);
      if (old) timers.clearTimer(old);
      const myEpoch = epoch;
      coordTimers.set(
        key,
        timers.setTimer(atMs - now, () => {
          if (epoch !== myEpoch) return;
          coordTimers.delete(key);
          trace(`coord timer ${key}`);
          apply(c.onTimer(key, timers.now()));
        }),
      );
    }
    for (const r of fx.persist) {
      if (pending.has(r.txnId))
        fail(`txn ${r.txnId}: a second record persisted before the first was durable`);
      pending.set(r.txnId, r);
      trace(`coord persist ${r.txnId} ${r.decision} ${JSON.stringify(r.outcome ?? r.resolution ?? '')}`);
      const myEpoch = epoch;
      timers.setTimer(1 + logRnd.int(25), () => {
        if (epoch !== myEpoch) return;
        pending.delete(r.txnId);
        makeDurable(r);
        trace(`coord durable ${r.txnId}`);
        apply(c.decisionDurable(r.txnId, timers.now()));
      });
    }
    for (const o of fx.outcomes) {
      trace(`coord OUTCOME ${o.txnId} ${o.status} ${o.code}`);
      if (announcedThisLife.has(o.txnId)) fail(`txn ${o.txnId}: outcome announced twice by one coordinator`);
      announcedThisLife.add(o.txnId);
      const before = outcomes.get(o.txnId);
      if (before && JSON.stringify(before) !== JSON.stringify(o)) {
        fail(
          `txn ${o.txnId}: outcome ${before.status}/${before.code} later announced as ${o.status}/${o.code}`,
        );
      }
      outcomes.set(o.txnId, o);
    }
    for (const r of fx.resolutions) {
      trace(`coord RESOLVED ${r.txnId} ${r.resolution}`);
      const before = resolutions.get(r.txnId);
      if (before && before !== r.resolution)
        fail(`txn ${r.txnId}: resolution ${before} then ${r.resolution}`);
      resolutions.set(r.txnId, r.resolution);
    }
    for (const req of fx.send) {
      // The safety rule the durable log exists for: nothing is committed or credited undecided.
      if (req.op === 'COMMIT' || req.op === 'CREDIT') {
        const d = lastDurable.get(req.txnId);
        const want = req.op === 'COMMIT' ? 'COMMIT' : 'CREDIT';
        if (d !== want) fail(`txn ${req.txnId}: ${req.op} sent while the durable decision is ${d ?? 'none'}`);
      }
      trace(`coord → ${req.bank} ${req.op} ${req.side} ${req.txnId}`);
      net.deliver(`${req.op} ${req.txnId} → ${req.bank}`, () => bankReceive(req));
    }
  };

  const coordReceive = (resp: BankResp) => {
    if (!coord) {
      trace(`coord DOWN drops ${resp.op} ${resp.txnId}`);
      return;
    }
    trace(`coord ← ${resp.bank} ${resp.op} ${resp.side} ${resp.txnId} ${resp.ok ? 'ok' : resp.code}`);
    apply(coord.onBankResp(resp, timers.now()));
  };

  const bankReceive = (req: BankReq) => {
    const bank = banks.get(req.bank)!;
    if (!bank.up) {
      trace(`${req.bank} DOWN drops ${req.op} ${req.txnId}`);
      return;
    }
    const op = ledgerOpFor(req);
    const reply = (resp: BankResp) => {
      trace(`${req.bank} ${req.op} ${req.txnId} → ${resp.ok ? 'ok' : resp.code}`);
      net.deliver(`${req.op} reply ${req.txnId}`, () => coordReceive(resp));
    };
    if (!op) {
      reply(participantReply(req, null));
      return;
    }
    const myEpoch = bank.epoch;
    void bank.ledger.apply([op]).then(
      ([res]) => {
        // A bank that crashed meanwhile applied the operation but never answered.
        if (!bank.up || bank.epoch !== myEpoch) return;
        reply(participantReply(req, res!));
      },
      (e: unknown) => fail(`${req.bank} ledger error on ${req.op} ${req.txnId}: ${String(e)}`),
    );
  };

  // ---- faults ----------------------------------------------------------------------------------
  for (const bank of banks.values()) {
    const crashes = faultRnd.int(3);
    for (let i = 0; i < crashes; i++) {
      const at = faultRnd.int(FAULTS_END_MS - 200);
      const downFor = 50 + faultRnd.int(700);
      timers.setTimer(at, () => {
        if (!bank.up) return;
        bank.up = false;
        bank.epoch++;
        count('bankCrashes');
        trace(`${bank.name} CRASH`);
        timers.setTimer(downFor, () => {
          bank.up = true;
          trace(`${bank.name} RESTART`);
        });
      });
    }
  }
  const coordCrashes = faultRnd.chance(0.6) ? 1 + faultRnd.int(2) : 0;
  for (let i = 0; i < coordCrashes; i++) {
    const at = 100 + faultRnd.int(FAULTS_END_MS - 400);
    const downFor = 20 + faultRnd.int(300);
    timers.setTimer(at, () => {
      if (!coord) return;
      coord = null;
      epoch++;
      count('coordCrashes');
      for (const h of coordTimers.values()) timers.clearTimer(h);
      coordTimers.clear();
      // Records handed to the log but not acknowledged: each may or may not have made it.
      for (const r of pending.values()) {
        if (faultRnd.chance(0.5)) {
          makeDurable(r);
          count('pendingKept');
          trace(`coord CRASH: ${r.txnId} ${r.decision} survives unacknowledged`);
        } else {
          count('pendingLost');
          trace(`coord CRASH: ${r.txnId} ${r.decision} lost`);
        }
      }
      pending.clear();
      trace('coord CRASH');
      timers.setTimer(downFor, () => {
        const decided = new Set(durable.map((r) => r.txnId));
        const inFlight = registered.filter((s) => !decided.has(s.txnId));
        trace(`coord RECOVER from ${durable.length} records, ${inFlight.length} in flight`);
        count('recoveries');
        stats.recoveredInFlight = (stats.recoveredInFlight ?? 0) + inFlight.length;
        stats.recoveredDecided = (stats.recoveredDecided ?? 0) + decided.size;
        const r = Coordinator.recover(cfg, durable.slice(), inFlight, timers.now());
        coord = r.coordinator;
        announcedThisLife = new Set();
        apply(r.effects);
      });
    });
  }
  timers.setTimer(FAULTS_END_MS, () => {
    net.calm();
    trace('faults end');
  });

  // ---- traffic ---------------------------------------------------------------------------------
  const nTxns = opts.txns ?? 60;
  for (let i = 0; i < nTxns; i++) {
    const payer = trafficRnd.pick(accounts);
    let payee = trafficRnd.pick(accounts);
    while (payee.account === payer.account) payee = trafficRnd.pick(accounts);
    const credit = trafficRnd.chance(0.07) ? { bank: payee.bank, account: GHOST } : payee;
    const spec: TxnSpec = {
      txnId: `T${i}`,
      amountPaise: 1 + trafficRnd.int(2_500),
      debit: { bank: payer.bank, account: payer.account },
      credit,
    };
    const tryStart = () => {
      if (!coord) {
        timers.setTimer(50, tryStart); // the PSP retries while the switch is down
        return;
      }
      registered.push(spec); // the host registers the txn durably before starting it
      trace(`start ${spec.txnId} ${spec.amountPaise} ${spec.debit.account} → ${spec.credit.account}`);
      apply(coord.start(spec, timers.now()));
    };
    timers.setTimer(trafficRnd.int(TRAFFIC_END_MS), tryStart);
  }

  // ---- run to quiescence -----------------------------------------------------------------------
  const events = await timers.runUntil(Infinity, MAX_EVENTS);
  stats.events = events;
  if (timers.pending > 0)
    fail(`did not quiesce within ${MAX_EVENTS} events (${timers.pending} timers pending)`);
  if (coord && coord.active !== 0) fail(`coordinator still has ${coord.active} active txns`);

  await checkInvariants();
  stats.netLost = net.lost;
  stats.netDuplicated = net.duplicated;
  return { failures, trace: traceLines, stats };

  async function checkInvariants(): Promise<void> {
    const expected = new Map(opening);
    // Money moves between banks, so it is conserved across all of them, not per bank.
    let openingSum = 0;
    let available = 0;
    let held = 0;
    for (const bank of banks.values()) {
      const s = await bank.ledger.summary();
      openingSum += s.openingPaise;
      available += s.availablePaise;
      held += s.heldPaise;
      if (s.heldPaise !== 0) fail(`${bank.name}: ${s.heldPaise} paise still held at the end`);
    }
    if (available + held !== openingSum)
      fail(`money not conserved: available ${available} + held ${held} != opening ${openingSum}`);
    for (const spec of registered) {
      const id = spec.txnId;
      const o = outcomes.get(id);
      if (!o) {
        fail(`txn ${id}: no outcome`);
        continue;
      }
      const res = resolutions.get(id);
      count(`${o.status}:${o.code}${res ? ':' + res : ''}`);
      const debitRec = await banks.get(spec.debit.bank)!.ledger.record(id, 'DEBIT');
      const creditRec = await banks.get(spec.credit.bank)!.ledger.record(id, 'CREDIT');
      const decided = everDecided.get(id) ?? new Set();
      const paid = o.status === 'SUCCESS' || (o.status === 'DEEMED' && res === 'TCC');
      const credited = creditRec === 'CREDITED';
      const debited: RecordState = upi ? 'DEBITED' : 'CAPTURED';
      const where = `txn ${id} (${o.status}/${o.code}${res ? '/' + res : ''}, debit ${debitRec}, credit ${creditRec}, decisions ${[...decided].join(',') || 'none'})`;

      if (o.status === 'DEEMED' && !res) fail(`${where}: deemed but never resolved`);
      if (o.status === 'DEEMED' && !upi) fail(`${where}: classic 2PC has no deemed outcome`);
      if (paid !== credited) fail(`${where}: payee credited iff the outcome is a success`);
      if ((debitRec === debited) !== credited) fail(`${where}: payer debited iff payee credited`);
      if (debitRec === 'HELD') fail(`${where}: funds still held`);
      if (upi) {
        if (credited && !decided.has('CREDIT')) fail(`${where}: credited without a durable CREDIT decision`);
        if (debitRec === 'REVERSED' && credited) fail(`${where}: reversed and credited`);
        if (decided.has('COMMIT')) fail(`${where}: COMMIT decision under upi`);
      } else {
        const last = lastDurable.get(id);
        if ((debitRec === 'CAPTURED' || credited) && last !== 'COMMIT')
          fail(`${where}: money moved without COMMIT`);
        if (decided.has('COMMIT') && decided.has('ABORT')) fail(`${where}: both committed and aborted`);
        if (last === 'ABORT' && debitRec !== 'RELEASED')
          fail(`${where}: aborted but debit record not RELEASED`);
        if (last === 'COMMIT' && (debitRec !== 'CAPTURED' || !credited))
          fail(`${where}: committed but phase two unfinished`);
      }
      if (paid) {
        expected.set(spec.debit.account, expected.get(spec.debit.account)! - spec.amountPaise);
        expected.set(spec.credit.account, expected.get(spec.credit.account)! + spec.amountPaise);
      }
    }
    if (outcomes.size !== registered.length) fail(`${outcomes.size} outcomes for ${registered.length} txns`);
    for (const [account, want] of expected) {
      const bank = account.slice(0, account.indexOf('-'));
      const view = await banks.get(bank)!.ledger.account(account);
      if (!view) fail(`account ${account} missing`);
      else if (view.availablePaise !== want || view.heldPaise !== 0) {
        fail(
          `account ${account}: available ${view.availablePaise} held ${view.heldPaise}, expected ${want} from the outcomes`,
        );
      }
      if (view && view.availablePaise < 0) fail(`account ${account} negative`);
    }
  }
}
