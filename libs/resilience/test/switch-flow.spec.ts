import type { ResponseCode } from '../../domain/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { BankBreakers, breakerDeclineCode, installVirtualGlobalClock, legOutcomeForCode } from '../src';

/**
 * The switch's usage, message-shaped, on the simulator's clock: before each bank leg it asks
 * `admit`; the answer (or the switch's own timeout) is `record`ed. Bank HDFC goes dark for a
 * while; SBI stays healthy.
 */
describe('switch-shaped flow on virtual time', () => {
  let uninstall: (() => void) | null = null;
  afterEach(() => uninstall?.());

  it('opens HDFC within its volume, keeps SBI untouched, half-opens and closes after HDFC recovers', async () => {
    const vt = new VirtualTimers(0);
    uninstall = installVirtualGlobalClock(vt);
    const settings = {
      timeoutMs: 1_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      rollingCountTimeoutMs: 10_000,
      rollingCountBuckets: 10,
      resetTimeoutMs: 5_000,
    };
    const breakers = new BankBreakers(settings);
    const SWITCH_TIMEOUT_MS = 2_000;
    const down = { from: 10_000, to: 30_000 };
    const declines: Record<string, Record<string, number>> = { HDFC: {}, SBI: {} };
    const sentWhileDown = { HDFC: 0 };
    let maxConcurrentTrials = 0;

    const leg = (txn: number, bank: 'HDFC' | 'SBI') => {
      const id = `${txn}:${bank}`;
      const end = (code: ResponseCode) => {
        declines[bank]![code] = (declines[bank]![code] ?? 0) + 1;
      };
      if (!breakers.admit(bank, id))
        return end(breakerDeclineCode(bank === 'HDFC' ? 'remitter' : 'beneficiary'));
      const b = breakers.breaker(bank);
      if (b.state === 'halfOpen') maxConcurrentTrials = Math.max(maxConcurrentTrials, b.inFlight);
      const dark = bank === 'HDFC' && vt.now() >= down.from && vt.now() < down.to;
      if (dark) sentWhileDown.HDFC++;
      let answered = false;
      const timeout = vt.setTimer(SWITCH_TIMEOUT_MS, () => {
        if (answered) return;
        answered = true;
        breakers.record(bank, id, legOutcomeForCode('UT')); // false if the breaker already timed it out
        end('UT');
      });
      if (!dark) {
        vt.setTimer(30, () => {
          answered = true;
          vt.clearTimer(timeout);
          const code: ResponseCode = txn % 7 === 0 ? 'Z9' : '00'; // some business declines
          breakers.record(bank, id, legOutcomeForCode(code));
          end(code);
        });
      }
    };

    // 20 payments a second to each bank for 60 virtual seconds.
    for (let t = 0, txn = 0; t < 60_000; t += 50, txn++) {
      vt.setTimer(t, () => {
        leg(txn, 'HDFC');
        leg(txn, 'SBI');
      });
    }
    const states: string[] = [];
    const hdfc = breakers.breaker('HDFC').breaker;
    hdfc.on('open', () => states.push(`open@${vt.now()}`));
    hdfc.on('halfOpen', () => states.push(`halfOpen@${vt.now()}`));
    hdfc.on('close', () => states.push(`close@${vt.now()}`));
    await vt.runUntil(62_000);

    // SBI: never refused, never a technical decline, business declines included.
    expect(declines.SBI!['U91']).toBeUndefined();
    expect(declines.SBI!['UT']).toBeUndefined();
    expect(declines.SBI!['00']! + declines.SBI!['Z9']!).toBe(1_200);
    expect(breakers.breaker('SBI').state).toBe('closed');

    // HDFC opened once failures passed 50 % of the legs in its 10 s window. Failures are counted
    // by the breaker's own 1 s timeout (before the 2 s switch timeout); the window still holds the
    // earlier successes, so under steady traffic that takes about window × threshold = 5 s.
    const firstOpen = Number(states[0]!.split('@')[1]);
    expect(states[0]).toMatch(/^open@/);
    const expected = down.from + settings.timeoutMs + settings.rollingCountTimeoutMs * 0.5;
    expect(Math.abs(firstOpen - expected)).toBeLessThanOrEqual(1_000);
    // Once open, while dark, it sent only single trials every resetTimeout, refusing the rest with U90.
    const beforeOpen = (firstOpen - down.from) / 50;
    const trials = states.filter(
      (s) => s.startsWith('halfOpen@') && Number(s.split('@')[1]) < down.to,
    ).length;
    expect(trials).toBeGreaterThanOrEqual(2);
    expect(sentWhileDown.HDFC).toBeLessThanOrEqual(Math.floor(beforeOpen) + 1 + trials); // +1: a leg sent at the instant it opened
    expect(declines.HDFC!['U90']).toBeGreaterThan(300);
    expect(maxConcurrentTrials).toBe(1);
    // After recovery: half-open, the trial succeeds, closed for good.
    expect(states.at(-2)).toMatch(/^halfOpen@/);
    expect(states.at(-1)).toMatch(/^close@/);
    expect(Number(states.at(-1)!.split('@')[1])).toBeLessThan(down.to + settings.resetTimeoutMs + 2_000);
    expect(breakers.breaker('HDFC').state).toBe('closed');
    breakers.shutdown();
  });
});
