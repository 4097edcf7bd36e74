import { join } from 'node:path';
import type { ReqPay, RespPay } from '../../domain/src';
import { BankService } from '../../bank/src';
import { Random } from '../../domain/src';
import { InMemoryLedger } from '../../ledger/src';
import { NoAdmissionControl } from '../../resilience/src';
import { switchSettings } from '../../runtime/src/switch-config';
import { buildTopology, loadScenario } from '../../scenarios/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { InMemoryBus, TOPICS, type Envelope, type OutMessage } from '../../transport/src';
import { InMemoryDecisionLog, MapDirectory, SwitchService } from '../src';

const REPLIES = 'replies';

/** An in-memory bus whose publishes (of chosen topics) and replies fail while `down`: a broker outage. */
class FlakyBus extends InMemoryBus {
  down = false;
  failing: (topic: string) => boolean = () => true;
  attempts = new Map<string, number>();
  override async publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    this.attempts.set(topic, (this.attempts.get(topic) ?? 0) + 1);
    if (this.down && this.failing(topic)) throw new Error('broker down');
    return super.publish(topic, messages);
  }
  override reply<Res>(to: Envelope, value: Res): Promise<void> {
    if (this.down && this.failing(REPLIES)) return Promise.reject(new Error('broker down'));
    return super.reply(to, value);
  }
}

async function setup() {
  const scenario = loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'));
  const topology = buildTopology(scenario);
  const timers = new VirtualTimers();
  const bus = new FlakyBus({ timers });
  const ledger = new InMemoryLedger();
  await ledger.open(topology.accounts);
  const banks = new BankService({
    bus,
    timers,
    ledger,
    rng: new Random(1),
    banks: topology.banks.map((b) => ({
      id: b.id,
      capacityTps: 1e6,
      latency: { medianMs: 5, p99Ms: 10 },
      failureRate: 0,
    })),
  });
  const sw = new SwitchService({
    bus,
    timers,
    directory: new MapDirectory(
      [...topology.directory].map(([v, d]) => [v, { bank: d.bank, account: d.account }]),
    ),
    log: new InMemoryDecisionLog(),
    ...switchSettings(scenario, topology),
    admission: new NoAdmissionControl(),
  });
  await Promise.all([banks.start(), sw.start()]);
  const settled: string[] = [];
  await bus.subscribe(TOPICS.settlement, 'clearing', async (b) => void settled.push(...b.map((e) => e.key)));
  const [payer, payee] = topology.payers;
  const req: ReqPay = {
    type: 'ReqPay',
    txnId: 'T1',
    pspId: 'PHONEPE',
    payerVpa: payer!,
    payeeVpa: payee!,
    amountPaise: 100,
    category: 'P2P',
    initiation: 'CUSTOMER',
    createdAt: 0,
  };
  return { timers, bus, sw, banks, settled, req };
}

const quietly = () => jest.spyOn(console, 'error').mockImplementation(() => undefined);

describe('switch during a broker outage', () => {
  test('a settlement entry that cannot be published is retried until it goes through', async () => {
    const { timers, bus, sw, banks, settled, req } = await setup();
    const log = quietly();
    try {
      bus.failing = (t) => t === TOPICS.settlement;
      bus.down = true;
      const answer = bus.request<ReqPay, RespPay>(TOPICS.reqPay, req.txnId, req, 15_000);
      await timers.runUntil(timers.now() + 3_000);
      expect((await answer).status).toBe('SUCCESS');
      expect(settled).toEqual([]);
      expect(bus.attempts.get(TOPICS.settlement)).toBeGreaterThan(2);
      bus.down = false;
      await timers.runUntil(timers.now() + 6_000);
      expect(settled).toEqual(['T1']);
    } finally {
      log.mockRestore();
      await sw.stop();
      await banks.stop();
    }
  });

  test('a failed reply is logged, never an unhandled rejection that would kill the process', async () => {
    const { timers, bus, sw, banks, req } = await setup();
    const log = quietly();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      bus.failing = (t) => t === REPLIES;
      bus.down = true;
      void bus.request(TOPICS.reqPay, req.txnId, req, 15_000).catch(() => undefined);
      await timers.runUntil(timers.now() + 3_000);
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('reply failed'));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      log.mockRestore();
      await sw.stop();
      await banks.stop();
    }
  });
});
