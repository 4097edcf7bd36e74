import { retryRouter } from '../../../libs/runtime/src/run-live';

// How `run --live` spreads requests over several PSP instances (unit: no stack needed).
describe('retryRouter', () => {
  test('fresh payments round-robin; a retry goes to the instance after its original', () => {
    let now = 0;
    const route = retryRouter(3, 1000, () => now);
    expect(['k1', 'k2', 'k3', 'k4'].map((k) => route({ idempotencyKey: k }))).toEqual([0, 1, 2, 0]);
    expect(route({ idempotencyKey: 'k3', retryOfKey: 'k3' })).toBe(0);
    expect(route({ idempotencyKey: 'k4', retryOfKey: 'k4' })).toBe(1);
    expect(route({ idempotencyKey: 'k1', retryOfKey: 'k1' })).toBe(1);
    // A retry never lands where its original did.
    now = 10;
    for (let i = 0; i < 30; i++) {
      const key = `r${i}`;
      const first = route({ idempotencyKey: key });
      expect(route({ idempotencyKey: key, retryOfKey: key })).not.toBe(first);
    }
  });

  test('one instance: everything to it; originals are forgotten after the retry window', () => {
    expect(retryRouter(1, 1000, () => 0)({ idempotencyKey: 'a', retryOfKey: 'a' })).toBe(0);
    let now = 0;
    const route = retryRouter(2, 500, () => now);
    expect(route({ idempotencyKey: 'old' })).toBe(0);
    now = 2000;
    expect(route({ idempotencyKey: 'new' })).toBe(1); // sweeps 'old'
    // 'old' is no longer known: its late retry is routed like a fresh payment (round-robin).
    expect(route({ idempotencyKey: 'old', retryOfKey: 'old' })).toBe(0);
  });
});
