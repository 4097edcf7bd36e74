import type { SettlementEntry } from '../../../domain/src';
import { InMemoryLedger } from '../../../ledger/src';
import { ClearingService } from '../../../clearing/src';
import { InMemoryBus, TOPICS } from '../../../transport/src';
import { virtualClock } from '../clocks';
import { JournaledSettlementBus, type JournalRedis } from './clearing-journal';
import { ConfigError, readCommon, readIdList } from './env';
import { openAccountsIfAbsent } from './open-accounts';
import { RunScopedBus } from './run-scoped-bus';
import { join } from 'node:path';
import { loadScenario } from '../../../scenarios/src';
import { driverConnections } from '../run-live';

describe('live env', () => {
  const base = { UPI_SCENARIO: 'scenarios/smoke.yaml' };

  test('defaults and parsing', () => {
    const c = readCommon({ ...base, KAFKA_BROKERS: 'a:1, b:2', PORT: '9000', UPI_RUN_ID: 'r1' }, 18080);
    expect(c).toMatchObject({ brokers: ['a:1', 'b:2'], port: 9000, runId: 'r1', host: '127.0.0.1' });
    expect(readCommon(base, 18080).port).toBe(18080);
    expect(readCommon(base, 18080).adminToken).toBeUndefined();
  });

  test.each([
    [{}, /UPI_SCENARIO is required/],
    [{ ...base, PORT: '70000' }, /PORT must be a TCP port/],
    [{ ...base, PORT: 'abc' }, /PORT must be a TCP port/],
    [{ ...base, KAFKA_BROKERS: 'nohost' }, /KAFKA_BROKERS: "nohost" is not host:port/],
    [{ ...base, REDIS_URL: 'http://x' }, /REDIS_URL must start with redis:\/\//],
    [{ ...base, UPI_RUN_ID: 'a b' }, /UPI_RUN_ID must be/],
  ])('bad env %j is refused clearly', (env, msg) => {
    expect(() => readCommon(env, 1)).toThrow(ConfigError);
    expect(() => readCommon(env, 1)).toThrow(msg);
  });

  test('UPI_BANKS: all by default, known ids only, no repeats', () => {
    const known = ['SBI', 'HDFC'];
    expect(readIdList({}, 'UPI_BANKS', known)).toEqual(known);
    expect(readIdList({ UPI_BANKS: 'HDFC' }, 'UPI_BANKS', known)).toEqual(['HDFC']);
    expect(() => readIdList({ UPI_BANKS: 'AXIS' }, 'UPI_BANKS', known)).toThrow(/unknown AXIS/);
    expect(() => readIdList({ UPI_BANKS: 'SBI,SBI' }, 'UPI_BANKS', known)).toThrow(/twice/);
  });
});

describe('openAccountsIfAbsent', () => {
  const accounts = [
    { account: 'A1', bank: 'SBI', vpa: 'a1@ybl', balancePaise: 1000 },
    { account: 'A2', bank: 'SBI', vpa: 'a2@ybl', balancePaise: 2000 },
  ];

  test('opens once; a restart finds the balances and never resets them', async () => {
    const ledger = new InMemoryLedger();
    expect(await openAccountsIfAbsent(ledger, accounts)).toBe('opened');
    await ledger.apply([{ kind: 'DEBIT', txnId: 'T1', account: 'A1', amountPaise: 400 }]);
    expect(await openAccountsIfAbsent(ledger, accounts)).toBe('present');
    expect((await ledger.account('A1'))!.availablePaise).toBe(600);
    expect((await ledger.summary()).openingPaise).toBe(3000);
  });

  test('a ledger holding only some of the accounts is refused (run id reused by another scenario)', async () => {
    const ledger = new InMemoryLedger();
    await ledger.open([accounts[0]!]);
    await expect(openAccountsIfAbsent(ledger, accounts)).rejects.toThrow(/1 of 2 accounts exist/);
  });
});

class FakeJournalRedis implements JournalRedis {
  readonly h = new Map<string, string>();
  async hset(_key: string, ...fv: string[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < fv.length; i += 2) {
      if (!this.h.has(fv[i]!)) added++;
      this.h.set(fv[i]!, fv[i + 1]!);
    }
    return added;
  }
  async hvals(): Promise<string[]> {
    return [...this.h.values()];
  }
}

const entry = (txnId: string, amountPaise: number): SettlementEntry => ({
  type: 'SettlementEntry',
  txnId,
  kind: 'PAY',
  remitterBank: 'SBI',
  beneficiaryBank: 'HDFC',
  amountPaise,
  at: 0,
});

describe('JournaledSettlementBus', () => {
  test('a restarted clearing recovers its totals and counts a redelivered entry once', async () => {
    const clock = virtualClock();
    const bus = new InMemoryBus({ timers: clock.timers });
    const redis = new FakeJournalRedis();
    const run = new RunScopedBus(bus, 'r1'); // the switch's side of the run
    const start = async () => {
      const c = new ClearingService({
        bus: new JournaledSettlementBus(new RunScopedBus(bus, 'r1'), redis, 'j'),
        timers: clock.timers,
        cycleMs: 1000,
      });
      await c.start();
      return c;
    };
    const first = await start();
    await run.publish(TOPICS.settlement, [
      { key: 'T1', value: entry('T1', 500) },
      { key: 'T2', value: entry('T2', 300) },
    ]);
    await clock.waitUntil(50);
    expect(first.totals()).toEqual({ SBI: -800, HDFC: 800 });
    await first.stop();

    // Restart: the journal is replayed; T2 is then redelivered (at-least-once) and T3 is new.
    const second = await start();
    expect(second.totals()).toEqual({ SBI: -800, HDFC: 800 });
    await run.publish(TOPICS.settlement, [
      { key: 'T2', value: entry('T2', 300) },
      { key: 'T3', value: entry('T3', 100) },
    ]);
    await clock.waitUntil(100);
    expect(second.totals()).toEqual({ SBI: -900, HDFC: 900 });
    expect(redis.h.size).toBe(3);
    await second.stop();
    await bus.close();
  });
});

describe('live driver connections', () => {
  const smoke = (scale: number) =>
    loadScenario(join(__dirname, '..', '..', '..', '..', 'scenarios', 'smoke.yaml'), { scale });

  it('has enough connections for the peak rate held for the whole PSP answer wait', () => {
    // smoke peaks at 5,000 tps before scale; the PSP holds a request up to pspWaitMs (800 ms).
    expect(driverConnections(smoke(0.1), 800)).toBe(500); // 500/s × 0.8 s × 1.25
    expect(driverConnections(smoke(0.4), 800)).toBe(2000);
  });

  it('keeps at least 64 and at most 4096', () => {
    expect(driverConnections(smoke(0.01), 800)).toBe(64);
    expect(driverConnections(smoke(10), 800)).toBe(4096);
  });
});
