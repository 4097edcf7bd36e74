import { Registry } from 'prom-client';
import type { Clock } from '../../domain/src';
import {
  AdaptiveLimits,
  BankBreakers,
  createAdmission,
  LegBreaker,
  NoAdmissionControl,
  resilienceMetrics,
  SwitchBreaker,
  SwitchUnavailableError,
} from '../src';

class ManualClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
}

const settle = () => jest.advanceTimersByTimeAsync(0);

describe('createAdmission / SwitchBreaker (PSP → switch)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('builds the admission control each policy names', () => {
    const clock = new ManualClock();
    expect(createAdmission('off', { from: 'switch', clock })).toBeInstanceOf(NoAdmissionControl);
    const fixed = createAdmission({ policy: 'fixed' }, { from: 'switch', clock });
    expect(fixed).toBeInstanceOf(BankBreakers);
    fixed.shutdown();
    expect(
      createAdmission({ policy: 'adaptive', algorithm: 'aimd' }, { from: 'switch', clock }),
    ).toBeInstanceOf(AdaptiveLimits);
  });

  it('fixed: run() passes calls through, opens on technical failures, then refuses at once', async () => {
    const sb = new SwitchBreaker({ policy: 'fixed', volumeThreshold: 4, resetTimeoutMs: 1_000 }, 'phonepe', {
      clock: new ManualClock(),
    });
    await expect(sb.run(async () => 'RespPay')).resolves.toBe('RespPay');
    // volumeThreshold counts every call in the window: 1 success + 3 failures = 4, 75 % failed.
    for (let i = 0; i < 3; i++) {
      await expect(sb.run(() => Promise.reject(new Error('switch down')))).rejects.toThrow('switch down');
      await settle();
    }
    let called = false;
    await expect(
      sb.run(async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(SwitchUnavailableError);
    expect(called).toBe(false);
    jest.advanceTimersByTime(1_000);
    await expect(sb.run(async () => 'ok')).resolves.toBe('ok');
    await settle();
    expect((sb.admission as BankBreakers).breaker('switch').state).toBe('closed');
    sb.shutdown();
  });

  it('fixed: a classified business answer does not count as a failure', async () => {
    const sb = new SwitchBreaker({ policy: 'fixed', volumeThreshold: 2 }, 'gpay', {
      clock: new ManualClock(),
    });
    for (let i = 0; i < 20; i++) {
      await sb.run(
        async () => ({ code: 'Z9' }),
        () => 'business',
      );
      await settle();
    }
    const b: LegBreaker = (sb.admission as BankBreakers).breaker('switch');
    expect(b.state).toBe('closed');
    expect(b.stats().failures).toBe(0);
    sb.shutdown();
  });

  it('adaptive: limits legs in flight, measures RTT on the given clock, and exports limit and inflight', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    const m = resilienceMetrics(registry);
    const sb = new SwitchBreaker(
      { policy: 'adaptive', algorithm: 'aimd', initialLimit: 2, timeoutMs: 100 },
      'paytm',
      {
        clock,
        metrics: m,
      },
    );
    expect(sb.admit('a')).toBe(true);
    expect(sb.admit('b')).toBe(true);
    expect(sb.admit('c')).toBe(false);
    expect(await registry.getSingleMetricAsString('upi_concurrency_inflight')).toContain(
      'upi_concurrency_inflight{from="paytm",to="switch"} 2',
    );
    clock.t = 150; // slower than timeoutMs: counts as a drop
    expect(sb.record('a', 'ok')).toBe(true);
    expect(sb.record('a', 'ok')).toBe(false);
    const limiter = (sb.admission as AdaptiveLimits).limiter('switch');
    expect(limiter.limit).toBeCloseTo(1.8);
    expect(sb.record('b', 'technical')).toBe(true);
    expect(limiter.inflight).toBe(0);
    expect(await registry.getSingleMetricAsString('upi_concurrency_rejected_total')).toContain(
      'upi_concurrency_rejected_total{from="paytm",to="switch"} 1',
    );
    expect(await registry.getSingleMetricAsString('upi_concurrency_limit')).toMatch(
      /upi_concurrency_limit\{from="paytm",to="switch"\} 1\.6/,
    );
  });

  it('shares one metrics set per registry between the switch and PSPs', () => {
    const registry = new Registry();
    expect(resilienceMetrics(registry)).toBe(resilienceMetrics(registry));
  });
});
