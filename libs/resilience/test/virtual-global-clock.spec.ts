import { VirtualTimers } from '../../sim/src/virtual-timers';
import { installVirtualGlobalClock, LegBreaker } from '../src';

describe('installVirtualGlobalClock (opossum on the simulator clock)', () => {
  let uninstall: (() => void) | null = null;
  afterEach(() => {
    uninstall?.();
    uninstall = null;
  });

  it('routes global timers and Date.now through the virtual timers, and restores them', async () => {
    const realSetTimeout = setTimeout;
    const realNow = Date.now;
    const vt = new VirtualTimers(1_000);
    uninstall = installVirtualGlobalClock(vt);
    expect(Date.now()).toBe(1_000);

    const fired: string[] = [];
    const t = setTimeout(() => fired.push(`t@${Date.now()}`), 50);
    expect(typeof t.unref).toBe('function');
    const i = setInterval(() => fired.push(`i@${Date.now()}`), 40);
    const cancelled = setTimeout(() => fired.push('never'), 10);
    clearTimeout(cancelled);
    vt.setTimer(45, () => fired.push(`sim@${vt.now()}`));

    await vt.runUntil(1_125);
    clearInterval(i);
    await vt.runUntil(1_500);
    expect(fired).toEqual(['i@1040', 'sim@1045', 't@1050', 'i@1080', 'i@1120']);
    expect(() => installVirtualGlobalClock(vt)).toThrow(/already installed/);

    uninstall();
    uninstall = null;
    expect(setTimeout).toBe(realSetTimeout);
    expect(Date.now).toBe(realNow);
  });

  it('runs an opossum breaker on virtual time: opens, half-opens exactly resetTimeout later, closes', async () => {
    const vt = new VirtualTimers(0);
    uninstall = installVirtualGlobalClock(vt);
    const b = new LegBreaker('switch', 'HDFC', {
      volumeThreshold: 5,
      resetTimeoutMs: 30_000,
      timeoutMs: 1_000,
      rollingCountTimeoutMs: 10_000,
      rollingCountBuckets: 10,
    });
    const states: string[] = [];
    b.breaker.on('open', () => states.push(`open@${vt.now()}`));
    b.breaker.on('halfOpen', () => states.push(`halfOpen@${vt.now()}`));
    b.breaker.on('close', () => states.push(`close@${vt.now()}`));

    // Five legs the bank never answers: opossum's timeout (a virtual timer) counts them at t=1000.
    for (let k = 0; k < 5; k++) expect(b.admit(`lost${k}`)).toBe(true);
    await vt.runUntil(999);
    expect(b.state).toBe('closed');
    await vt.runUntil(1_000);
    expect(b.state).toBe('open');

    await vt.runUntil(30_999);
    expect(b.state).toBe('open');
    await vt.runUntil(31_000);
    expect(b.state).toBe('halfOpen');

    expect(b.admit('trial')).toBe(true);
    // The bank answers the trial 200 virtual ms later.
    vt.setTimer(200, () => b.record('trial', 'ok'));
    await vt.runUntil(31_200);
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open@1000', 'halfOpen@31000', 'close@31200']);
    b.shutdown();
  });
});
