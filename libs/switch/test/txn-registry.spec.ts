import type { ReqPay } from '../../domain/src';
import { TxnRegistry, type EvictionRule, type TxnEntry } from '../src/txn-registry';

const req = (n: number, createdAt: number): ReqPay => ({
  type: 'ReqPay',
  txnId: `T${n}`,
  pspId: 'P',
  payerVpa: 'a@x',
  payeeVpa: 'b@y',
  amountPaise: 100,
  category: 'P2P',
  initiation: 'CUSTOMER',
  createdAt,
});

function registry(count: number): TxnRegistry {
  const r = new TxnRegistry();
  for (let i = 0; i < count; i++) r.register(req(i, i * 1000));
  return r;
}

const settle = (e: TxnEntry, status: TxnEntry['status'] = 'SUCCESS') => {
  e.status = status;
  e.code = status === 'SUCCESS' ? '00' : null;
};

/** Evicts at `nowMs` with a 10 s window and `coolMs` cooling; returns the evicted txnIds. */
function evict(r: TxnRegistry, nowMs: number, coolMs = 0, keep?: EvictionRule['keep']): string[] {
  const out: string[] = [];
  r.evict({ cutoffMs: nowMs - 10_000, nowMs, coolMs, ...(keep ? { keep } : {}) }, (e) =>
    out.push(e.req.txnId),
  );
  return out;
}

describe('TxnRegistry eviction', () => {
  test('only settled payments older than the window leave; the rest stay answerable', () => {
    const r = registry(20);
    for (let i = 0; i < 20; i++) if (i !== 3) settle(r.get(`T${i}`)!);
    // T5 is deemed and still waiting for its TCC/RET; T6 declined.
    settle(r.get('T5')!, 'DEEMED');
    settle(r.get('T6')!, 'DECLINED');
    // Now 15 s: T0..T5 were created at or before 5 s.
    expect(evict(r, 15_000)).toEqual(['T0', 'T1', 'T2', 'T4']);
    expect(r.get('T0')).toBeUndefined();
    expect(r.get('T3')!.status).toBe('PENDING');
    expect(r.get('T5')!.status).toBe('DEEMED');
    expect(r.get('T6')!.status).toBe('DECLINED'); // inside the window
    expect(r.size).toBe(16);
    expect(r.evicted).toBe(4);
  });

  test('a payment not evictable yet is evicted by a later pass, without blocking younger ones', () => {
    const r = registry(10);
    for (let i = 1; i < 10; i++) settle(r.get(`T${i}`)!);
    expect(evict(r, 12_000)).toEqual(['T1', 'T2']);
    settle(r.get('T0')!, 'DECLINED');
    expect(evict(r, 13_000)).toEqual(['T0', 'T3']);
    const t = r.get('T5')!;
    settle(t, 'DEEMED');
    expect(evict(r, 17_000)).toEqual(['T4', 'T6', 'T7']);
    t.resolution = 'RET';
    expect(evict(r, 17_000)).toEqual(['T5']);
  });

  test('keep holds a payment back; cooling delays eviction after it first becomes evictable', () => {
    const r = registry(4);
    for (let i = 0; i < 4; i++) settle(r.get(`T${i}`)!);
    let busy = true;
    expect(evict(r, 12_000, 5_000, (e) => busy && e.req.txnId === 'T1')).toEqual([]);
    expect(evict(r, 16_000, 5_000, (e) => busy && e.req.txnId === 'T1')).toEqual([]);
    expect(evict(r, 17_000, 5_000, (e) => busy && e.req.txnId === 'T1')).toEqual(['T0', 'T2']);
    busy = false;
    // T3 has cooled since 16 s; T1 starts cooling now.
    expect(evict(r, 21_000, 5_000)).toEqual(['T3']);
    expect(evict(r, 25_999, 5_000)).toEqual([]);
    expect(evict(r, 26_000, 5_000)).toEqual(['T1']);
  });

  test('at(i) indexes the payments still held, in registration order then the old ones waiting', () => {
    const r = registry(3000);
    for (let i = 0; i < 3000; i++) if (i !== 7) settle(r.get(`T${i}`)!);
    expect(evict(r, 2_010_000)).toHaveLength(2000);
    expect(r.size).toBe(1000);
    const held = Array.from({ length: r.size }, (_, i) => r.at(i)!.req.txnId);
    expect(held[0]).toBe('T2001');
    expect(held.at(-1)).toBe('T7');
    expect(new Set(held).size).toBe(1000);
    expect(r.at(r.size)).toBeUndefined();
    const c = r.copy();
    expect(c.size).toBe(1000);
    expect(c.get('T7')).not.toBe(r.get('T7'));
    expect(c.evicted).toBe(2000);
  });
});
