import type { Arrival } from '../../scenarios/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { ArrivalGate, mergeGateStats } from './arrival-gate';

interface Item {
  readonly atMs: number;
  readonly id: number;
}

/** A gate on a virtual clock whose requests each take `serviceMs`. */
function setup(slots: number, maxLagMs: number, serviceMs: number) {
  const timers = new VirtualTimers(0);
  const sent: { id: number; at: number }[] = [];
  const dropped: number[] = [];
  const gate = new ArrivalGate<Item>(
    { slots, maxLagMs },
    () => timers.now(),
    (item, release) => {
      sent.push({ id: item.id, at: timers.now() });
      timers.setTimer(serviceMs, release);
    },
    (item) => dropped.push(item.id),
  );
  /** Offers each item at its time, as driveArrivals does. */
  const offerAll = (items: Item[]) => {
    for (const it of items) timers.setTimer(it.atMs, () => gate.offer(it));
  };
  return { timers, gate, sent, dropped, offerAll };
}

const every = (n: number, gapMs: number, from = 0): Item[] =>
  Array.from({ length: n }, (_, i) => ({ atMs: from + i * gapMs, id: i }));

describe('ArrivalGate (virtual clock)', () => {
  it('sends everything on time while slots suffice', async () => {
    const { timers, gate, sent, dropped, offerAll } = setup(4, 100, 30);
    offerAll(every(100, 10)); // 100/s, 30 ms each: 3 in flight at most
    await timers.runUntil(5000);
    expect(dropped).toEqual([]);
    expect(sent.map((s) => s.at)).toEqual(every(100, 10).map((i) => i.atMs));
    expect(gate.stats()).toMatchObject({ sent: 100, dropped: 0, late: 0, maxLagMs: 0 });
  });

  it('drops, and counts, the arrivals that cannot get a slot within maxLagMs', async () => {
    // One slot, requests take 100 ms, arrivals every 10 ms: one send per 100 ms can keep up.
    const { timers, gate, sent, dropped, offerAll } = setup(1, 50, 100);
    offerAll(every(50, 10)); // 0..490 ms
    await timers.runUntil(10_000);
    gate.close();
    const st = gate.stats();
    expect(st.sent + st.dropped).toBe(50);
    expect(st.sent).toBe(sent.length);
    expect(st.dropped).toBe(dropped.length);
    // Sends at 0, 100, 200, ...: each the oldest arrival still within 50 ms of its time.
    expect(sent.map((s) => s.at)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(sent.map((s) => s.id)).toEqual([0, 5, 15, 25, 35, 45]);
    for (const s of sent) expect(s.at - s.id * 10).toBeLessThanOrEqual(50);
    expect(st.maxLagMs).toBe(50);
    expect(st.dropped).toBe(44);
    expect(st.droppedBySec).toEqual([44]);
  });

  it('an arrival offered later than maxLagMs after its time (a stalled loop) is dropped at once', () => {
    let now = 0;
    const sent: number[] = [];
    const gate = new ArrivalGate<Item>(
      { slots: 10, maxLagMs: 20 },
      () => now,
      (it) => sent.push(it.id),
    );
    now = 1500;
    gate.offer({ atMs: 1470, id: 1 }); // 30 ms late
    gate.offer({ atMs: 1490, id: 2 }); // 10 ms late: sent, within the bound
    expect(sent).toEqual([2]);
    expect(gate.stats()).toMatchObject({ sent: 1, dropped: 1, droppedBySec: [0, 1] });
  });

  it('close() drops what still waits; a release is counted once', () => {
    let now = 0;
    const releases: (() => void)[] = [];
    const gate = new ArrivalGate<Item>(
      { slots: 1, maxLagMs: 1000 },
      () => now,
      (_it, r) => releases.push(r),
    );
    gate.offer({ atMs: 0, id: 0 });
    gate.offer({ atMs: 0, id: 1 });
    gate.offer({ atMs: 0, id: 2 });
    expect(gate.active).toBe(1);
    expect(gate.queued).toBe(2);
    now = 10;
    releases[0]!();
    releases[0]!(); // twice: still one slot freed
    expect(gate.active).toBe(1);
    expect(gate.queued).toBe(1);
    gate.close();
    expect(gate.stats()).toMatchObject({ sent: 2, dropped: 1 });
  });

  it('works with real arrivals from the generator shape', () => {
    const a: Arrival = {
      atMs: 5,
      idempotencyKey: 'k-1',
      body: {
        payerVpa: 'a@ybl',
        payeeVpa: 'b@ybl',
        amountPaise: 100,
        category: 'P2P',
        initiation: 'CUSTOMER',
      },
    };
    const got: Arrival[] = [];
    const gate = new ArrivalGate<Arrival>(
      { slots: 1, maxLagMs: 0 },
      () => 5,
      (x) => got.push(x),
    );
    gate.offer(a);
    expect(got).toEqual([a]);
  });

  it('refuses nonsense options', () => {
    expect(
      () =>
        new ArrivalGate(
          { slots: 0, maxLagMs: 1 },
          () => 0,
          () => undefined,
        ),
    ).toThrow(/slots/);
    expect(
      () =>
        new ArrivalGate(
          { slots: 1, maxLagMs: -1 },
          () => 0,
          () => undefined,
        ),
    ).toThrow(/maxLagMs/);
  });
});

describe('mergeGateStats', () => {
  it("adds the gates' counts and drops per second, and keeps the largest lag", () => {
    const merged = mergeGateStats([
      { sent: 10, late: 1, dropped: 3, maxLagMs: 40.5, droppedBySec: [0, 2, 1] },
      { sent: 7, late: 2, dropped: 5, maxLagMs: 120, droppedBySec: [1, 0, 0, 4] },
      { sent: 0, late: 0, dropped: 0, maxLagMs: 0, droppedBySec: [] },
    ]);
    expect(merged).toEqual({ sent: 17, late: 3, dropped: 8, maxLagMs: 120, droppedBySec: [1, 2, 1, 4] });
    expect(mergeGateStats([])).toEqual({ sent: 0, late: 0, dropped: 0, maxLagMs: 0, droppedBySec: [] });
  });

  it('one stalled target: with a gate each, the other keeps sending on time', () => {
    // Two targets of 2 slots; target 0 never answers, target 1 answers at once. Arrivals alternate.
    let now = 0;
    const sent: number[][] = [[], []];
    const gates = [0, 1].map(
      (i) =>
        new ArrivalGate<{ atMs: number }>(
          { slots: 2, maxLagMs: 100 },
          () => now,
          (a, release) => {
            sent[i]!.push(a.atMs);
            if (i === 1) release();
          },
        ),
    );
    for (let k = 0; k < 20; k++) {
      now = k * 10;
      gates[k % 2]!.offer({ atMs: now });
    }
    now = 1_000;
    for (const g of gates) g.close();
    expect(sent[0]).toEqual([0, 20]);
    expect(sent[1]).toHaveLength(10);
    expect(mergeGateStats(gates.map((g) => g.stats()))).toMatchObject({ sent: 12, dropped: 8 });
  });
});
