import { loadScenario, type RunResult } from '../../libs/scenarios/src';
import {
  EmbeddedSystem,
  readBackAndCheck,
  runScenario,
  SETTLED_COOLING_MS,
  SETTLED_RETENTION_MS,
  virtualClock,
} from '../../libs/runtime/src';
import { directSwitch, SMOKE } from './direct-switch';

describe('eviction of settled payments (embedded and simulated runs)', () => {
  test('a ReqPay repeated after its payment was evicted is refused and debits nothing', async () => {
    const d = await directSwitch(21);
    try {
      const { sys, timers, topology } = d;
      const req = d.payment('TXNEVICT00001');
      const ask = () => d.ask(req);
      const opening = (await sys.ledger.account(d.payer.account))!.availablePaise;
      const first = await ask();
      expect(first.status).toBe('SUCCESS');
      // Inside the window: kept, and a repeat gets the first answer.
      expect(sys.evictSettled(timers.now())).toBe(0);
      expect(await ask()).toEqual(first);
      // Past the window it starts cooling, and leaves once cooled.
      await timers.runUntil(req.createdAt + SETTLED_RETENTION_MS);
      expect(sys.evictSettled(timers.now())).toBe(0);
      await timers.runUntil(timers.now() + SETTLED_COOLING_MS);
      expect(sys.evictSettled(timers.now())).toBe(1);
      expect(sys.switchNode.registered).toBe(0);
      expect(sys.ledger.recordCount).toBe(0);

      const again = await ask();
      expect(again).toMatchObject({ status: 'DECLINED', code: 'U01' });
      expect(sys.switchNode.registered).toBe(0);
      expect((await sys.ledger.account(d.payer.account))!.availablePaise).toBe(opening - 12_345);

      await sys.stop();
      const back = await readBackAndCheck(sys, topology);
      expect(back.payments).toBe(1);
      expect(back.invariants.filter((i) => !i.ok)).toEqual([]);
      expect(
        back.invariants.find((i) => i.name === 'no transaction both committed and aborted')!.detail,
      ).toBe('1 checked');
    } finally {
      d.exit();
    }
  });

  test('a run evicting after seconds gives the same result as one keeping everything', async () => {
    const scenario = loadScenario(SMOKE, { seed: 5, durationSec: 40 });
    let evicted = 0;
    const run = async (retentionMs: number): Promise<RunResult> => {
      let sys: EmbeddedSystem | undefined;
      const r = await runScenario(scenario, {
        clock: virtualClock(),
        mode: 'simulated',
        retentionMs,
        onStarted: (s) => (sys = s),
      });
      if (retentionMs !== Infinity) evicted = sys!.settled.txns;
      return { ...r, startedAt: '' };
    };
    const all = await run(Infinity);
    const short = await run(2_000);
    expect(evicted).toBeGreaterThan(0.5 * all.completed);
    expect(short).toEqual(all);
    expect(short.invariants.every((i) => i.ok)).toBe(true);
  });

  test('a status-check storm keeps picking payments the switch still holds while others are evicted', async () => {
    const base = loadScenario(SMOKE, { seed: 8, durationSec: 30 });
    const scenario = {
      ...base,
      faults: [],
      traffic: { ...base.traffic, statusCheckStorm: { atSec: 10, durationSec: 15, ratePerSec: 2_000 } },
    };
    let sys: EmbeddedSystem | undefined;
    const r = await runScenario(scenario, {
      clock: virtualClock(),
      mode: 'simulated',
      retentionMs: 2_000,
      onStarted: (s) => (sys = s),
    });
    expect(r.invariants.filter((i) => !i.ok)).toEqual([]);
    const checks = (r.extensions as { statusChecks: { stormSent: number; statusChecksAnswered: number } })
      .statusChecks;
    expect(sys!.settled.txns).toBeGreaterThan(0.5 * r.completed);
    expect(checks.stormSent).toBeGreaterThan(100);
    expect(r.completed).toBe(r.offered);
  });
});
