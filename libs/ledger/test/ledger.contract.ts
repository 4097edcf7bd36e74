import { Random } from '../../domain/src';
import type {
  AccountOpening,
  AccountView,
  LedgerOp,
  LedgerOpKind,
  LedgerOpResult,
  LedgerOutcome,
  LedgerStore,
} from '../src/ledger-store';

/**
 * The behaviour every LedgerStore must show, written against the interface only so the Redis store
 * runs it verbatim. `make` returns a fresh, empty store; `destroy` (default: `close()`) tears it down.
 */

type DebitKind = 'HOLD' | 'CAPTURE' | 'RELEASE' | 'DEBIT' | 'REVERSE_DEBIT';
type DebitState = 'NONE' | 'HELD' | 'CAPTURED' | 'RELEASED' | 'DEBITED' | 'REVERSED' | 'DECLINED';
/** What a transition does to money: HOLD/DEBIT move the op's amount, the others the recorded one. */
type Effect = 'NONE' | 'HOLD' | 'CAPTURE' | 'RELEASE' | 'DEBIT' | 'REVERSE';

interface Row {
  readonly outcome: LedgerOutcome;
  readonly replay: boolean;
  readonly next: DebitState;
  readonly effect: Effect;
}

const row = (outcome: LedgerOutcome, replay: boolean, next: DebitState, effect: Effect = 'NONE'): Row => ({
  outcome,
  replay,
  next,
  effect,
});
const refused = (state: DebitState): Row => row('REFUSED', false, state);

/**
 * The debit-side table of ledger-store.ts, spelled out per (kind, state). From NONE, HOLD and DEBIT
 * are shown on their success path; NO_ACCOUNT and INSUFFICIENT_FUNDS come before it (see `expectOp`).
 */
const TABLE: Record<DebitKind, Record<DebitState, Row>> = {
  HOLD: {
    NONE: row('OK', false, 'HELD', 'HOLD'),
    HELD: row('OK', true, 'HELD'),
    CAPTURED: row('OK', true, 'CAPTURED'),
    DECLINED: row('INSUFFICIENT_FUNDS', true, 'DECLINED'),
    RELEASED: refused('RELEASED'),
    DEBITED: refused('DEBITED'),
    REVERSED: refused('REVERSED'),
  },
  CAPTURE: {
    NONE: refused('NONE'),
    HELD: row('OK', false, 'CAPTURED', 'CAPTURE'),
    CAPTURED: row('OK', true, 'CAPTURED'),
    DECLINED: refused('DECLINED'),
    RELEASED: refused('RELEASED'),
    DEBITED: refused('DEBITED'),
    REVERSED: refused('REVERSED'),
  },
  RELEASE: {
    NONE: row('OK', false, 'RELEASED'),
    HELD: row('OK', false, 'RELEASED', 'RELEASE'),
    CAPTURED: refused('CAPTURED'),
    DECLINED: row('OK', false, 'RELEASED'),
    RELEASED: row('OK', true, 'RELEASED'),
    DEBITED: refused('DEBITED'),
    REVERSED: refused('REVERSED'),
  },
  DEBIT: {
    NONE: row('OK', false, 'DEBITED', 'DEBIT'),
    HELD: refused('HELD'),
    CAPTURED: refused('CAPTURED'),
    DECLINED: row('INSUFFICIENT_FUNDS', true, 'DECLINED'),
    RELEASED: refused('RELEASED'),
    DEBITED: row('OK', true, 'DEBITED'),
    REVERSED: refused('REVERSED'),
  },
  REVERSE_DEBIT: {
    NONE: row('OK', false, 'REVERSED'),
    HELD: refused('HELD'),
    CAPTURED: refused('CAPTURED'),
    DECLINED: row('OK', false, 'REVERSED'),
    RELEASED: refused('RELEASED'),
    DEBITED: row('OK', false, 'REVERSED', 'REVERSE'),
    REVERSED: row('OK', true, 'REVERSED'),
  },
};
const DEBIT_KINDS = Object.keys(TABLE) as DebitKind[];

const op = (kind: LedgerOpKind, txnId: string, account: string, amountPaise = 0): LedgerOp => ({
  kind,
  txnId,
  account,
  amountPaise,
});
const res = (outcome: LedgerOutcome, replay = false): LedgerOpResult => ({ outcome, replay });

const OPENINGS: readonly AccountOpening[] = [
  { account: 'A', bank: 'HDFC', vpa: 'a@hdfc', balancePaise: 10_000 },
  { account: 'B', bank: 'HDFC', vpa: 'b@hdfc', balancePaise: 5_000 },
  { account: 'C', bank: 'SBI', vpa: 'c@sbi', balancePaise: 0 },
];
const GHOST = 'GHOST';

type Balances = Record<string, { available: number; held: number }>;

async function balances(ledger: LedgerStore): Promise<Balances> {
  const out: Balances = {};
  for (const v of await ledger.accounts({}))
    out[v.account] = { available: v.availablePaise, held: v.heldPaise };
  return out;
}

/** Ways to bring txn `T` on account A into each debit-side state; the recorded amount is 1,000. */
const SETUPS: ReadonlyArray<{ name: string; state: DebitState; ops: LedgerOp[] }> = [
  { name: 'NONE', state: 'NONE', ops: [] },
  { name: 'HELD', state: 'HELD', ops: [op('HOLD', 'T', 'A', 1_000)] },
  { name: 'CAPTURED', state: 'CAPTURED', ops: [op('HOLD', 'T', 'A', 1_000), op('CAPTURE', 'T', 'A')] },
  {
    name: 'RELEASED after a hold',
    state: 'RELEASED',
    ops: [op('HOLD', 'T', 'A', 1_000), op('RELEASE', 'T', 'A')],
  },
  { name: 'RELEASED tombstone', state: 'RELEASED', ops: [op('RELEASE', 'T', 'A')] },
  { name: 'DECLINED by a hold', state: 'DECLINED', ops: [op('HOLD', 'T', 'A', 50_000)] },
  { name: 'DECLINED by a debit', state: 'DECLINED', ops: [op('DEBIT', 'T', 'A', 50_000)] },
  { name: 'DEBITED', state: 'DEBITED', ops: [op('DEBIT', 'T', 'A', 1_000)] },
  {
    name: 'REVERSED after a debit',
    state: 'REVERSED',
    ops: [op('DEBIT', 'T', 'A', 1_000), op('REVERSE_DEBIT', 'T', 'A')],
  },
  { name: 'REVERSED tombstone', state: 'REVERSED', ops: [op('REVERSE_DEBIT', 'T', 'A')] },
];

export function ledgerContract(
  name: string,
  make: () => Promise<LedgerStore>,
  destroy?: (l: LedgerStore) => Promise<void>,
): void {
  describe(`LedgerStore contract: ${name}`, () => {
    let ledger: LedgerStore;
    beforeEach(async () => {
      ledger = await make();
    });
    afterEach(async () => {
      await (destroy ? destroy(ledger) : ledger.close());
    });

    const opened = async () => {
      await ledger.open(OPENINGS);
      return ledger;
    };
    const one = async (o: LedgerOp) => (await ledger.apply([o]))[0];

    describe('debit-side transition table', () => {
      for (const setup of SETUPS) {
        for (const kind of DEBIT_KINDS) {
          const expected = TABLE[kind][setup.state];
          test(`${kind} on ${setup.name} → ${expected.outcome}${expected.replay ? ' (replay)' : ''}, ${expected.next}`, async () => {
            await opened();
            const setupResults = await ledger.apply(setup.ops);
            expect(setupResults.every((r) => !r.replay)).toBe(true);
            expect(await ledger.record('T', 'DEBIT')).toBe(setup.state);
            const before = await balances(ledger);

            // A different amount than the recorded 1,000 shows which amount a transition uses.
            expect(await one(op(kind, 'T', 'A', 2_000))).toEqual(res(expected.outcome, expected.replay));
            expect(await ledger.record('T', 'DEBIT')).toBe(expected.next);
            expect(await ledger.record('T', 'CREDIT')).toBe('NONE');

            const [dAvail, dHeld] = {
              NONE: [0, 0],
              HOLD: [-2_000, 2_000],
              CAPTURE: [0, -1_000],
              RELEASE: [1_000, -1_000],
              DEBIT: [-2_000, 0],
              REVERSE: [1_000, 0],
            }[expected.effect];
            const after = await balances(ledger);
            expect(after).toEqual({
              ...before,
              A: { available: before.A!.available + dAvail!, held: before.A!.held + dHeld! },
            });

            // Repeating the same op is a replay of whatever it answered: nothing moves, the state stays.
            const again = await one(op(kind, 'T', 'A', 3_000));
            expect(await balances(ledger)).toEqual(after);
            expect(await ledger.record('T', 'DEBIT')).toBe(expected.next);
            if (expected.outcome !== 'REFUSED') expect(again).toEqual(res(expected.outcome, true));
            else expect(again).toEqual(res('REFUSED'));
          });
        }
      }
    });

    describe('HOLD and DEBIT', () => {
      test.each(['HOLD', 'DEBIT'] as const)('%s of exactly the available balance succeeds', async (kind) => {
        await opened();
        expect(await one(op(kind, 't1', 'A', 10_000))).toEqual(res('OK'));
        expect((await ledger.account('A'))!.availablePaise).toBe(0);
        expect(await one(op(kind, 't2', 'A', 1))).toEqual(res('INSUFFICIENT_FUNDS'));
        expect(await ledger.record('t2', 'DEBIT')).toBe('DECLINED');
      });

      test.each(['HOLD', 'DEBIT'] as const)(
        '%s over the available balance declines and moves nothing',
        async (kind) => {
          await opened();
          const before = await balances(ledger);
          expect(await one(op(kind, 't1', 'B', 5_001))).toEqual(res('INSUFFICIENT_FUNDS'));
          expect(await ledger.record('t1', 'DEBIT')).toBe('DECLINED');
          expect(await balances(ledger)).toEqual(before);
        },
      );

      test.each(['HOLD', 'DEBIT'] as const)(
        'a declined %s stays declined after funds arrive',
        async (kind) => {
          await opened();
          expect(await one(op(kind, 't1', 'C', 100))).toEqual(res('INSUFFICIENT_FUNDS'));
          expect(await one(op('CREDIT', 'in', 'C', 1_000))).toEqual(res('OK'));
          expect(await one(op(kind, 't1', 'C', 100))).toEqual(res('INSUFFICIENT_FUNDS', true));
          expect(await ledger.account('C')).toMatchObject({ availablePaise: 1_000, heldPaise: 0 });
        },
      );

      test('held funds are not available to a second hold or debit', async () => {
        await opened();
        expect(await one(op('HOLD', 't1', 'A', 7_000))).toEqual(res('OK'));
        expect(await one(op('DEBIT', 't2', 'A', 4_000))).toEqual(res('INSUFFICIENT_FUNDS'));
        expect(await one(op('HOLD', 't3', 'A', 3_000))).toEqual(res('OK'));
        expect(await ledger.account('A')).toMatchObject({ availablePaise: 0, heldPaise: 10_000 });
      });

      test('CAPTURE, RELEASE and REVERSE_DEBIT ignore the amount they are given', async () => {
        await opened();
        await ledger.apply([
          op('HOLD', 'h1', 'A', 1_000),
          op('HOLD', 'h2', 'A', 2_000),
          op('DEBIT', 'd1', 'B', 500),
        ]);
        expect(
          await ledger.apply([
            op('CAPTURE', 'h1', 'A', 0),
            op('RELEASE', 'h2', 'A', 0),
            op('REVERSE_DEBIT', 'd1', 'B', 0),
          ]),
        ).toEqual([res('OK'), res('OK'), res('OK')]);
        expect(await balances(ledger)).toMatchObject({
          A: { available: 9_000, held: 0 },
          B: { available: 5_000, held: 0 },
        });
      });
    });

    describe('credit side', () => {
      test('CHECK answers OK for an existing account and records nothing', async () => {
        await opened();
        const before = await balances(ledger);
        expect(await one(op('CHECK', 't1', 'C', 100))).toEqual(res('OK'));
        expect(await one(op('CHECK', 't1', 'C', 100))).toEqual(res('OK'));
        expect(await ledger.record('t1', 'CREDIT')).toBe('NONE');
        expect(await ledger.record('t1', 'DEBIT')).toBe('NONE');
        expect(await balances(ledger)).toEqual(before);
      });

      test('CREDIT records CREDITED once; a repeat (any amount) is a replay', async () => {
        await opened();
        expect(await one(op('CREDIT', 't1', 'C', 700))).toEqual(res('OK'));
        expect(await ledger.record('t1', 'CREDIT')).toBe('CREDITED');
        expect(await one(op('CREDIT', 't1', 'C', 700))).toEqual(res('OK', true));
        expect(await one(op('CREDIT', 't1', 'C', 900))).toEqual(res('OK', true));
        expect(await ledger.account('C')).toMatchObject({ availablePaise: 700, heldPaise: 0 });
        expect(await one(op('CHECK', 't1', 'C'))).toEqual(res('OK'));
      });

      test('the debit and credit records of one txnId are independent', async () => {
        await opened();
        expect(
          await ledger.apply([
            op('HOLD', 'x', 'A', 1_000),
            op('CHECK', 'x', 'B'),
            op('CREDIT', 'x', 'B', 1_000),
          ]),
        ).toEqual([res('OK'), res('OK'), res('OK')]);
        expect(await ledger.record('x', 'DEBIT')).toBe('HELD');
        expect(await ledger.record('x', 'CREDIT')).toBe('CREDITED');
        expect(await one(op('RELEASE', 'x', 'A'))).toEqual(res('OK'));
        expect(await ledger.record('x', 'CREDIT')).toBe('CREDITED');
        expect(await balances(ledger)).toMatchObject({
          A: { available: 10_000, held: 0 },
          B: { available: 6_000, held: 0 },
        });
      });
    });

    describe('NO_ACCOUNT', () => {
      test.each(['CHECK', 'HOLD', 'DEBIT', 'CREDIT'] as const)(
        '%s on an unknown account records nothing',
        async (kind) => {
          await opened();
          const before = await balances(ledger);
          expect(await one(op(kind, 't1', GHOST, 100))).toEqual(res('NO_ACCOUNT'));
          expect(await one(op(kind, 't1', GHOST, 100))).toEqual(res('NO_ACCOUNT'));
          expect(await ledger.record('t1', 'DEBIT')).toBe('NONE');
          expect(await ledger.record('t1', 'CREDIT')).toBe('NONE');
          expect(await balances(ledger)).toEqual(before);
          expect(await ledger.account(GHOST)).toBeNull();

          // Nothing was recorded, so once the account exists the same txn proceeds normally.
          await ledger.open([{ account: GHOST, bank: 'SBI', vpa: 'ghost@sbi', balancePaise: 500 }]);
          expect(await one(op(kind, 't1', GHOST, 100))).toEqual(res('OK'));
        },
      );

      test('a recorded (txnId, side) is answered from its record before the account is looked up', async () => {
        await opened();
        expect(await one(op('RELEASE', 't1', GHOST))).toEqual(res('OK'));
        expect(await one(op('HOLD', 't1', GHOST, 100))).toEqual(res('REFUSED'));
        expect(await one(op('REVERSE_DEBIT', 't2', GHOST))).toEqual(res('OK'));
        expect(await one(op('DEBIT', 't2', GHOST, 100))).toEqual(res('REFUSED'));
        expect(await one(op('CAPTURE', 't3', GHOST))).toEqual(res('REFUSED'));
        expect(await ledger.record('t3', 'DEBIT')).toBe('NONE');
      });
    });

    describe('batches', () => {
      test('ops apply in order within one batch: HOLD then CAPTURE', async () => {
        await opened();
        expect(await ledger.apply([op('HOLD', 't1', 'A', 3_000), op('CAPTURE', 't1', 'A')])).toEqual([
          res('OK'),
          res('OK'),
        ]);
        expect(await ledger.record('t1', 'DEBIT')).toBe('CAPTURED');
        expect(await ledger.account('A')).toMatchObject({ availablePaise: 7_000, heldPaise: 0 });
      });

      test('a later op sees an earlier one: release tombstones, replays, spent funds', async () => {
        await opened();
        expect(
          await ledger.apply([
            op('HOLD', 't1', 'A', 1_000),
            op('RELEASE', 't1', 'A'),
            op('HOLD', 't1', 'A', 1_000),
            op('DEBIT', 't2', 'B', 4_000),
            op('DEBIT', 't2', 'B', 4_000),
            op('HOLD', 't3', 'B', 2_000),
            op('CREDIT', 't4', 'C', 10),
            op('CREDIT', 't4', 'C', 10),
          ]),
        ).toEqual([
          res('OK'),
          res('OK'),
          res('REFUSED'),
          res('OK'),
          res('OK', true),
          res('INSUFFICIENT_FUNDS'),
          res('OK'),
          res('OK', true),
        ]);
        expect(await balances(ledger)).toEqual({
          A: { available: 10_000, held: 0 },
          B: { available: 1_000, held: 0 },
          C: { available: 10, held: 0 },
        });
      });

      test('an empty batch answers an empty list', async () => {
        await opened();
        expect(await ledger.apply([])).toEqual([]);
      });
    });

    describe('bad input', () => {
      const bad: Array<[string, LedgerOp]> = [
        ['zero amount', op('HOLD', 'bad', 'A', 0)],
        ['negative amount', op('DEBIT', 'bad', 'A', -100)],
        ['fractional amount', op('CREDIT', 'bad', 'A', 1.5)],
        ['NaN amount', op('HOLD', 'bad', 'A', NaN)],
        ['unsafe amount', op('CREDIT', 'bad', 'A', 2 ** 53)],
        ['string amount', { ...op('DEBIT', 'bad', 'A'), amountPaise: '100' as unknown as number }],
        ['unknown kind', op('STEAL' as LedgerOpKind, 'bad', 'A', 100)],
        ['empty txnId', op('HOLD', '', 'A', 100)],
        ['empty account', op('HOLD', 'bad', '', 100)],
      ];
      test.each(bad)('%s rejects the whole batch and applies none of it', async (_label, badOp) => {
        await opened();
        const before = await balances(ledger);
        await expect(ledger.apply([op('HOLD', 'good', 'A', 100), badOp])).rejects.toThrow();
        expect(await ledger.record('good', 'DEBIT')).toBe('NONE');
        expect(await ledger.record('bad', 'DEBIT')).toBe('NONE');
        expect(await ledger.record('bad', 'CREDIT')).toBe('NONE');
        expect(await balances(ledger)).toEqual(before);
        // The store is still usable afterwards.
        expect(await one(op('HOLD', 'good', 'A', 100))).toEqual(res('OK'));
      });
    });

    describe('open', () => {
      test('opening an existing account throws and changes nothing', async () => {
        await opened();
        await one(op('HOLD', 't1', 'A', 1_000));
        await expect(
          ledger.open([{ account: 'A', bank: 'HDFC', vpa: 'a@hdfc', balancePaise: 99 }]),
        ).rejects.toThrow(/A/);
        expect(await ledger.account('A')).toMatchObject({ availablePaise: 9_000, heldPaise: 1_000 });
        expect((await ledger.summary()).openingPaise).toBe(15_000);
      });

      test('a failed open opens none of its accounts', async () => {
        await opened();
        const d = { account: 'D', bank: 'AXIS', vpa: 'd@axis', balancePaise: 100 };
        await expect(ledger.open([d, { ...OPENINGS[1]! }])).rejects.toThrow();
        await expect(ledger.open([d, { ...d, vpa: 'd2@axis' }])).rejects.toThrow();
        await expect(ledger.open([d, { ...d, account: 'E', balancePaise: -1 }])).rejects.toThrow();
        await expect(ledger.open([d, { ...d, account: 'E', balancePaise: 0.5 }])).rejects.toThrow();
        expect(await ledger.account('D')).toBeNull();
        expect(await ledger.account('E')).toBeNull();
        expect((await ledger.summary()).accounts).toBe(3);
        await ledger.open([d]);
        expect(await ledger.account('D')).toMatchObject({ availablePaise: 100 });
      });

      test('an account may open with a zero balance; an empty open is a no-op', async () => {
        await ledger.open([]);
        await ledger.open([{ account: 'Z', bank: 'SBI', vpa: 'z@sbi', balancePaise: 0 }]);
        expect(await ledger.account('Z')).toEqual({
          account: 'Z',
          bank: 'SBI',
          vpa: 'z@sbi',
          availablePaise: 0,
          heldPaise: 0,
        });
      });
    });

    describe('views', () => {
      test('account() gives a snapshot, or null for an unknown account', async () => {
        await opened();
        const a = await ledger.account('A');
        expect(a).toEqual({
          account: 'A',
          bank: 'HDFC',
          vpa: 'a@hdfc',
          availablePaise: 10_000,
          heldPaise: 0,
        });
        await one(op('HOLD', 't1', 'A', 400));
        expect(a).toEqual({
          account: 'A',
          bank: 'HDFC',
          vpa: 'a@hdfc',
          availablePaise: 10_000,
          heldPaise: 0,
        });
        expect(await ledger.account('A')).toMatchObject({ availablePaise: 9_600, heldPaise: 400 });
        expect(await ledger.account(GHOST)).toBeNull();
      });

      test('accounts() lists in opening order, by bank, up to a limit', async () => {
        await opened();
        await ledger.open([
          { account: 'D', bank: 'SBI', vpa: 'd@sbi', balancePaise: 1 },
          { account: '0', bank: 'HDFC', vpa: '0@hdfc', balancePaise: 2 },
        ]);
        const ids = (vs: AccountView[]) => vs.map((v) => v.account);
        expect(ids(await ledger.accounts({}))).toEqual(['A', 'B', 'C', 'D', '0']);
        expect(ids(await ledger.accounts({ bank: 'HDFC' }))).toEqual(['A', 'B', '0']);
        expect(ids(await ledger.accounts({ bank: 'SBI' }))).toEqual(['C', 'D']);
        expect(ids(await ledger.accounts({ bank: 'NOPE' }))).toEqual([]);
        expect(ids(await ledger.accounts({ limit: 2 }))).toEqual(['A', 'B']);
        expect(ids(await ledger.accounts({ bank: 'SBI', limit: 1 }))).toEqual(['C']);
        expect(ids(await ledger.accounts({ limit: 0 }))).toEqual([]);
        expect(ids(await ledger.accounts({ limit: 99 }))).toHaveLength(5);
        expect((await ledger.accounts({ bank: 'SBI' }))[1]).toEqual({
          account: 'D',
          bank: 'SBI',
          vpa: 'd@sbi',
          availablePaise: 1,
          heldPaise: 0,
        });
      });

      test('record() of an unknown txn is NONE on both sides', async () => {
        await opened();
        expect(await ledger.record('nope', 'DEBIT')).toBe('NONE');
        expect(await ledger.record('nope', 'CREDIT')).toBe('NONE');
      });

      test('summary() keeps totals overall and per bank', async () => {
        expect(await ledger.summary()).toEqual({
          openingPaise: 0,
          availablePaise: 0,
          heldPaise: 0,
          accounts: 0,
          perBank: {},
        });
        await opened();
        expect(await ledger.summary()).toEqual({
          openingPaise: 15_000,
          availablePaise: 15_000,
          heldPaise: 0,
          accounts: 3,
          perBank: {
            HDFC: { accounts: 2, availablePaise: 15_000, heldPaise: 0 },
            SBI: { accounts: 1, availablePaise: 0, heldPaise: 0 },
          },
        });
        await ledger.apply([
          op('HOLD', 't1', 'A', 3_000),
          op('DEBIT', 't2', 'B', 1_000),
          op('CREDIT', 't3', 'C', 500),
          op('HOLD', 't4', 'A', 200),
          op('CAPTURE', 't4', 'A'),
        ]);
        expect(await ledger.summary()).toEqual({
          openingPaise: 15_000,
          availablePaise: 11_300,
          heldPaise: 3_000,
          accounts: 3,
          perBank: {
            HDFC: { accounts: 2, availablePaise: 10_800, heldPaise: 3_000 },
            SBI: { accounts: 1, availablePaise: 500, heldPaise: 0 },
          },
        });
      });
    });

    describe('seeded random operations', () => {
      const SEEDS = 30;
      const STEPS = 300;
      const KINDS: readonly LedgerOpKind[] = [
        'HOLD',
        'CAPTURE',
        'RELEASE',
        'DEBIT',
        'REVERSE_DEBIT',
        'CHECK',
        'CREDIT',
      ];

      test(`${SEEDS} seeds × ${STEPS} ops keep money conserved, non-negative and idempotent`, async () => {
        const seen = new Set<string>();
        for (let seed = 1; seed <= SEEDS; seed++) {
          if (seed > 1) {
            await (destroy ? destroy(ledger) : ledger.close());
            ledger = await make();
          }
          await randomRun(ledger, new Random(seed), STEPS, KINDS, seen);
        }
        // The run reached every answer the table can give, so the checks above were exercised.
        for (const answer of [
          'HOLD OK',
          'HOLD OK replay',
          'HOLD INSUFFICIENT_FUNDS',
          'HOLD INSUFFICIENT_FUNDS replay',
          'HOLD REFUSED',
          'HOLD NO_ACCOUNT',
          'CAPTURE OK',
          'CAPTURE OK replay',
          'CAPTURE REFUSED',
          'RELEASE OK',
          'RELEASE OK replay',
          'RELEASE REFUSED',
          'DEBIT OK',
          'DEBIT OK replay',
          'DEBIT INSUFFICIENT_FUNDS',
          'DEBIT INSUFFICIENT_FUNDS replay',
          'DEBIT REFUSED',
          'DEBIT NO_ACCOUNT',
          'REVERSE_DEBIT OK',
          'REVERSE_DEBIT OK replay',
          'REVERSE_DEBIT REFUSED',
          'CHECK OK',
          'CHECK NO_ACCOUNT',
          'CREDIT OK',
          'CREDIT OK replay',
          'CREDIT NO_ACCOUNT',
        ]) {
          expect({ answer, seen: seen.has(answer) }).toEqual({ answer, seen: true });
        }
      });
    });
  });
}

interface ModelRecord {
  state: DebitState;
  amount: number;
  account: string;
}

/** Cheap comparison first; jest's deep equality (and its readable diff) only when they differ. */
function agree(where: string, what: string, got: unknown, want: unknown): void {
  if (!sameJson(got, want)) expect({ where, what, got }).toEqual({ where, what, got: want });
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * Applies random ops one at a time to `ledger` and checks each against the table (a small model) and
 * against model-free invariants: conservation, nothing negative, replays move nothing, and money only
 * leaves an account through a CAPTURE or DEBIT of that account's recorded txn. Counts which
 * (kind, outcome, replay) answers occurred into `seen`, so the caller can check the run was varied.
 */
async function randomRun(
  ledger: LedgerStore,
  rnd: Random,
  steps: number,
  kinds: readonly LedgerOpKind[],
  seen: Set<string>,
): Promise<void> {
  const banks = ['BANK1', 'BANK2'];
  const openings: AccountOpening[] = ['P0', 'P1', 'P2', 'P3'].map((account, i) => ({
    account,
    bank: banks[i % 2]!,
    vpa: `${account.toLowerCase()}@x`,
    balancePaise: rnd.int(20_000),
  }));
  await ledger.open(openings);
  const bankOf = new Map(openings.map((a) => [a.account, a.bank]));
  const opening = openings.reduce((s, a) => s + a.balancePaise, 0);
  // Each txn has a payer and a payee; sometimes one of them does not exist.
  const known = [...bankOf.keys()];
  const txns = Array.from({ length: 10 }, (_, i) => ({
    id: `tx${i}`,
    payer: rnd.chance(0.1) ? GHOST : rnd.pick(known),
    payee: rnd.chance(0.1) ? GHOST : rnd.pick(known),
  }));

  const debits = new Map<string, ModelRecord>();
  const credits = new Set<string>();
  let flowIn = 0;
  let flowOut = 0;
  let before = await balances(ledger);

  for (let step = 0; step < steps; step++) {
    const kind = rnd.pick(kinds);
    const txn = rnd.pick(txns);
    const isCredit = kind === 'CHECK' || kind === 'CREDIT';
    const o = op(kind, txn.id, isCredit ? txn.payee : txn.payer, 1 + rnd.int(8_000));
    const where = `step ${step} ${kind} ${o.txnId} ${o.account} ${o.amountPaise}`;
    const exists = bankOf.has(o.account);

    // What the table says should happen.
    const prev = debits.get(o.txnId);
    let expected: LedgerOpResult;
    let next: ModelRecord | undefined;
    if (kind === 'CHECK') expected = res(exists ? 'OK' : 'NO_ACCOUNT');
    else if (kind === 'CREDIT')
      expected = credits.has(o.txnId) ? res('OK', true) : res(exists ? 'OK' : 'NO_ACCOUNT');
    else {
      const state = prev?.state ?? 'NONE';
      const r = TABLE[kind as DebitKind][state];
      expected = res(r.outcome, r.replay);
      next = { state: r.next, amount: prev?.amount ?? 0, account: prev?.account ?? o.account };
      if (state === 'NONE' && (kind === 'HOLD' || kind === 'DEBIT')) {
        if (!exists) {
          expected = res('NO_ACCOUNT');
          next = undefined;
        } else if (before[o.account]!.available < o.amountPaise) {
          expected = res('INSUFFICIENT_FUNDS');
          next = { state: 'DECLINED', amount: 0, account: o.account };
        } else next.amount = o.amountPaise;
      }
      if (next?.state === 'NONE') next = undefined;
    }

    const [got] = await ledger.apply([o]);
    const after = await balances(ledger);
    agree(where, 'result', { outcome: got!.outcome, replay: got!.replay }, expected);
    seen.add(`${kind} ${got!.outcome}${got!.replay ? ' replay' : ''}`);

    const fresh = expected.outcome === 'OK' && !expected.replay;
    if (kind === 'CREDIT' && fresh) {
      credits.add(o.txnId);
      flowIn += o.amountPaise;
    }
    if (next) debits.set(o.txnId, next);
    agree(where, 'debit record', await ledger.record(o.txnId, 'DEBIT'), debits.get(o.txnId)?.state ?? 'NONE');
    agree(
      where,
      'credit record',
      await ledger.record(o.txnId, 'CREDIT'),
      credits.has(o.txnId) ? 'CREDITED' : 'NONE',
    );

    // Balances follow the table exactly.
    const modelAfter: Balances = structuredClone(before);
    if (fresh) {
      const mine = modelAfter[o.account]!;
      const rec = prev && modelAfter[prev.account];
      if (kind === 'HOLD') {
        mine.available -= o.amountPaise;
        mine.held += o.amountPaise;
      } else if (kind === 'DEBIT') mine.available -= o.amountPaise;
      else if (kind === 'CREDIT') mine.available += o.amountPaise;
      else if (kind === 'CAPTURE') rec!.held -= prev!.amount;
      else if (kind === 'RELEASE' && prev?.state === 'HELD') {
        rec!.held -= prev.amount;
        rec!.available += prev.amount;
      } else if (kind === 'REVERSE_DEBIT' && prev?.state === 'DEBITED') rec!.available += prev.amount;
    }
    agree(where, 'balances', after, modelAfter);

    // The model-free invariants, each checked on its own.
    for (const [account, b] of Object.entries(after)) {
      agree(where, `${account} not negative`, b.available >= 0 && b.held >= 0, true);
    }
    // A replay, or any answer but a fresh OK, moves nothing.
    if (got!.replay || got!.outcome !== 'OK') agree(where, 'replay moved money', after, before);
    // Money leaves an account only via a fresh CAPTURE/DEBIT of a txn recorded against it, by the recorded amount.
    for (const [account, b] of Object.entries(after)) {
      const was = before[account]!;
      const drop = was.available + was.held - (b.available + b.held);
      if (drop <= 0) continue;
      const rec = await ledger.record(o.txnId, 'DEBIT');
      agree(
        where,
        `money left ${account}`,
        { kind, fresh: got!.outcome === 'OK' && !got!.replay, rec, account, drop },
        kind === 'CAPTURE'
          ? { kind, fresh: true, rec: 'CAPTURED', account: prev?.account, drop: prev?.amount }
          : { kind: 'DEBIT', fresh: true, rec: 'DEBITED', account: o.account, drop: o.amountPaise },
      );
      flowOut += drop;
    }
    if (kind === 'REVERSE_DEBIT' && fresh && prev?.state === 'DEBITED') flowOut -= prev.amount;

    // Conservation: the ledger holds what it opened with, plus credits, minus what left for good.
    let total = 0;
    let held = 0;
    for (const b of Object.values(after)) {
      total += b.available + b.held;
      held += b.held;
    }
    agree(where, 'total', total, opening + flowIn - flowOut);
    let modelHeld = 0;
    for (const r of debits.values()) if (r.state === 'HELD') modelHeld += r.amount;
    agree(where, 'held', held, modelHeld);

    // summary() agrees with the accounts, overall and per bank.
    const sum = await ledger.summary();
    const perBank: Record<string, { accounts: number; availablePaise: number; heldPaise: number }> = {};
    for (const bank of banks) perBank[bank] = { accounts: 0, availablePaise: 0, heldPaise: 0 };
    for (const [account, b] of Object.entries(after)) {
      const t = perBank[bankOf.get(account)!]!;
      t.accounts++;
      t.availablePaise += b.available;
      t.heldPaise += b.held;
    }
    agree(
      where,
      'summary',
      { ...sum },
      {
        openingPaise: opening,
        availablePaise: total - held,
        heldPaise: held,
        accounts: openings.length,
        perBank,
      },
    );
    before = after;
  }
}
