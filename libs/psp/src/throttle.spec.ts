import { PaymentThrottle, parseThrottleBody } from './throttle';

describe('PaymentThrottle', () => {
  it('is off until set, then admits ratePerSec (burst one second) and refuses the rest', () => {
    const t = new PaymentThrottle();
    for (let i = 0; i < 100; i++) expect(t.admit('a@ybl', 0)).toBeNull();
    t.set({ ratePerSec: 5, status: 503 }, 1000);
    const first = Array.from({ length: 8 }, () => t.admit('a@ybl', 1000));
    expect(first.filter((x) => x === null)).toHaveLength(5);
    expect(first.filter((x) => x === 503)).toHaveLength(3);
    // 400 ms later two tokens have come back.
    const later = Array.from({ length: 4 }, () => t.admit('a@ybl', 1400));
    expect(later).toEqual([null, null, 503, 503]);
    expect(t.refused).toBe(5);
    t.clear();
    expect(t.admit('a@ybl', 1400)).toBeNull();
  });

  it('throttles only payers on the given handles', () => {
    const t = new PaymentThrottle();
    t.set({ ratePerSec: 0, status: 429, handles: ['paytm'] }, 0);
    expect(t.admit('u1@paytm', 0)).toBe(429);
    expect(t.admit('u1@ybl', 0)).toBeNull();
    expect(t.admit(undefined, 0)).toBeNull();
  });
});

describe('parseThrottleBody', () => {
  it('accepts a rate with optional status and handles', () => {
    expect(parseThrottleBody({ ratePerSec: 10 })).toEqual({
      ok: true,
      setting: { ratePerSec: 10, status: 429 },
    });
    expect(parseThrottleBody({ ratePerSec: 0, status: 503, handles: ['ybl'] })).toEqual({
      ok: true,
      setting: { ratePerSec: 0, status: 503, handles: ['ybl'] },
    });
  });

  it('names the bad field', () => {
    expect(parseThrottleBody(null)).toMatchObject({ ok: false, field: null });
    expect(parseThrottleBody({ ratePerSec: -1 })).toMatchObject({ ok: false, field: 'ratePerSec' });
    expect(parseThrottleBody({ ratePerSec: 1, status: 500 })).toMatchObject({ ok: false, field: 'status' });
    expect(parseThrottleBody({ ratePerSec: 1, handles: 'ybl' })).toMatchObject({
      ok: false,
      field: 'handles',
    });
    expect(parseThrottleBody({ ratePerSec: 1, burst: 3 })).toMatchObject({ ok: false, field: 'burst' });
  });
});
