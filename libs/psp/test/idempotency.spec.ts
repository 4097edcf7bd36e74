import { VirtualTimers } from '../../sim/src/virtual-timers';
import { InMemoryIdempotencyStore } from '../src/idempotency';
import { idempotencyStoreContract } from './idempotency.contract';

let timers = new VirtualTimers();

idempotencyStoreContract('InMemoryIdempotencyStore', {
  async make(ttlMs) {
    timers = new VirtualTimers();
    return new InMemoryIdempotencyStore({ clock: timers, ttlMs });
  },
  async advance(ms) {
    await timers.runUntil(timers.now() + ms);
  },
});

describe('InMemoryIdempotencyStore', () => {
  it('sweeps expired entries so memory stays bounded by the TTL window', async () => {
    const t = new VirtualTimers();
    const store = new InMemoryIdempotencyStore({ clock: t, ttlMs: 100 });
    for (let i = 0; i < 50; i++) await store.claim(`k${i}`, 'fp', `T${i}`);
    expect(store.size).toBe(50);
    await t.runUntil(150);
    await store.claim('fresh', 'fp', 'T');
    expect(store.size).toBe(1);
  });

  it('refuses a non-positive TTL', () => {
    expect(() => new InMemoryIdempotencyStore({ clock: new VirtualTimers(), ttlMs: 0 })).toThrow(RangeError);
  });
});
