import { join } from 'node:path';
import { loadScenario, type RunResult, type Scenario } from '../../libs/scenarios/src';
import { runScenario, virtualClock } from '../../libs/runtime/src';

const SMOKE = join(__dirname, '../../scenarios/smoke.yaml');

function base(): Scenario {
  const s = loadScenario(SMOKE, { seed: 11, durationSec: 6 });
  return { ...s, faults: [] };
}

async function run(s: Scenario): Promise<RunResult> {
  const r = await runScenario(s, { clock: virtualClock(), mode: 'embedded' });
  const bad = r.invariants.filter((i) => !i.ok);
  if (bad.length) throw new Error(`invariants broken: ${JSON.stringify(bad)}`);
  return r;
}

const count = (r: RunResult, code: string) => r.outcomes.byCode[code]?.count ?? 0;

describe('decline paths', () => {
  test('insufficient funds: Z9, a business decline, nothing moves', async () => {
    const s = base();
    const poor: Scenario = {
      ...s,
      topology: {
        ...s.topology,
        banks: s.topology.banks.map((b) => ({ ...b, openingBalancePaise: { min: 100, max: 100 } })),
      },
    };
    const r = await run(poor);
    expect(count(r, 'Z9')).toBeGreaterThan(0.9 * r.completed);
    expect(r.outcomes.byCode.Z9!.kind).toBe('BD');
    expect(r.outcomes.businessDeclines).toBeGreaterThanOrEqual(count(r, 'Z9'));
    expect(r.money.closingPaise).toBe(r.money.openingPaise);
  });

  test('unknown payee: ZH before any bank is asked', async () => {
    const s = base();
    const r = await run({ ...s, traffic: { ...s.traffic, unknownPayeeShare: 0.5 } });
    expect(count(r, 'ZH')).toBeGreaterThan(0.3 * r.completed);
    expect(r.outcomes.byCode.ZH!.kind).toBe('BD');
  });

  test('bank down: technical declines (XY remitter, Y1 beneficiary), other banks unaffected', async () => {
    const s = base();
    const r = await run({ ...s, faults: [{ atSec: 0, durationSec: 6, kind: 'bank-down', bank: 'SBI' }] });
    expect(count(r, 'XY')).toBeGreaterThan(0);
    expect(count(r, 'Y1')).toBeGreaterThan(0);
    expect(r.outcomes.byCode.XY!.kind).toBe('TD');
    expect(r.outcomes.technicalDeclines).toBeGreaterThan(0.2 * r.completed);
    expect(r.outcomes.byStatus.SUCCESS).toBeGreaterThan(0.3 * r.completed);
  });

  test('bank slow past the leg timeout: UT declines (UPI) and deemed approvals that settle later', async () => {
    const s = base();
    const r = await run({
      ...s,
      faults: [{ atSec: 0, durationSec: 4, kind: 'bank-slow', bank: 'HDFC', extraLatencyMs: 3000 }],
    });
    expect(count(r, 'UT')).toBeGreaterThan(0);
    expect(r.outcomes.byStatus.DEEMED).toBeGreaterThan(0);
    expect(count(r, 'RB')).toBe(r.outcomes.byStatus.DEEMED);
    const res = (r.extensions as { deemedResolutions: { TCC: number; RET: number } }).deemedResolutions;
    expect(res.TCC + res.RET).toBeGreaterThan(0);
  });

  test('bank slow under classic 2PC: UT / BT aborts release every hold', async () => {
    const s = base();
    const classic: Scenario = {
      ...s,
      topology: { ...s.topology, switch: { ...s.topology.switch, protocol: 'classic-2pc' } },
    };
    const r = await run({
      ...classic,
      faults: [{ atSec: 0, durationSec: 4, kind: 'bank-slow', bank: 'HDFC', extraLatencyMs: 3000 }],
    });
    expect(count(r, 'UT') + count(r, 'BT')).toBeGreaterThan(0);
    expect(r.outcomes.byStatus.DEEMED).toBe(0);
    expect(r.money.heldPaise).toBe(0);
  });
});

describe('overlapping faults on one bank', () => {
  test('nest: a CBS outage inside a slow spell, then the slow spell again, then healthy', async () => {
    const s = base();
    const seen: [number, string | null][] = [];
    const clock = virtualClock();
    const r = await runScenario(
      {
        ...s,
        faults: [
          { atSec: 1, durationSec: 4, kind: 'bank-slow', bank: 'HDFC', extraLatencyMs: 50 },
          { atSec: 2, durationSec: 1, kind: 'bank-down', bank: 'HDFC' },
        ],
      },
      {
        clock,
        mode: 'embedded',
        onStarted: (system, t0) => {
          for (const sec of [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
            clock.timers.setTimer(t0 + sec * 1000 - clock.timers.now(), () =>
              seen.push([sec, system.banks.fault('HDFC')?.kind ?? null]),
            );
        },
      },
    );
    expect(seen).toEqual([
      [0.5, null],
      [1.5, 'slow'],
      [2.5, 'down'],
      // Before, the outage's end cleared the bank although its slow spell ran until 5 s.
      [3.5, 'slow'],
      [4.5, 'slow'],
      [5.5, null],
    ]);
    expect(r.invariants.every((i) => i.ok)).toBe(true);
  });
});
