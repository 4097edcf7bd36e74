import { Registry } from 'prom-client';
import {
  createMetrics,
  knownSeriesNames,
  METRIC,
  PROCESS_METRICS,
  registerBankGauges,
  registerKafkaLag,
  registerRaftMetrics,
  registerSwitchGauges,
  type RaftStatus,
} from './index';

const value = async (r: Registry, name: string, labels: Record<string, string> = {}) => {
  const m = (await r.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value;
};

describe('gauges read at scrape time', () => {
  it('switch: queue depth per class, held and in-doubt from the snapshot', async () => {
    const r = new Registry();
    let snap: { queueByClass: Record<string, number>; held: number; inDoubt: number } | null = null;
    registerSwitchGauges(r, () => snap);
    expect(await value(r, METRIC.switchQueueDepth, { class: 'MEDICAL' })).toBeUndefined();
    snap = { queueByClass: { MEDICAL: 3, P2M: 40 }, held: 2, inDoubt: 7 };
    expect(await value(r, METRIC.switchQueueDepth, { class: 'MEDICAL' })).toBe(3);
    expect(await value(r, METRIC.switchQueueDepth, { class: 'P2M' })).toBe(40);
    expect(await value(r, METRIC.switchHeld)).toBe(2);
    expect(await value(r, METRIC.switchInDoubt)).toBe(7);
    snap = { queueByClass: { MEDICAL: 0, P2M: 1 }, held: 0, inDoubt: 1 };
    expect(await value(r, METRIC.switchQueueDepth, { class: 'P2M' })).toBe(1);
  });

  it('bank: held paise (async) and queue per bank; a failing ledger read keeps the last value', async () => {
    const r = new Registry();
    let fail = false;
    registerBankGauges(
      r,
      async () => {
        if (fail) throw new Error('redis down');
        return { HDFC: 5000, SBI: 0 };
      },
      () => ({ HDFC: 4 }),
    );
    expect(await value(r, METRIC.ledgerHeld, { bank: 'HDFC' })).toBe(5000);
    expect(await value(r, METRIC.bankQueue, { bank: 'HDFC' })).toBe(4);
    fail = true;
    expect(await value(r, METRIC.ledgerHeld, { bank: 'HDFC' })).toBe(5000);
  });

  it('kafka lag: latest lag per partition, summed per topic', async () => {
    const r = new Registry();
    const lag = registerKafkaLag(r);
    lag('upi.reqpay', 0, 10);
    lag('upi.reqpay', 1, 5);
    lag('upi.reqpay', 0, 2); // partition 0 caught up
    lag('upi.bankresp', 3, -1); // kafkajs reports -1 for an empty partition: no lag
    expect(await value(r, METRIC.kafkaConsumerLag, { topic: 'upi.reqpay' })).toBe(7);
    expect(await value(r, METRIC.kafkaConsumerLag, { topic: 'upi.bankresp' })).toBe(0);
  });

  it('raft: role, term, commit index, availability and leader changes seen across scrapes', async () => {
    const r = new Registry();
    let s: RaftStatus | null = null;
    registerRaftMetrics(r, () => s);
    const scrape = async () => {
      await new Promise((res) => setTimeout(res, 60)); // past the per-scrape cache
      return r.metrics();
    };
    expect(await scrape()).toContain(`${METRIC.raftUp} 0`);
    s = { role: 'follower', term: 1, commit: 5, leader: 2 };
    let text = await scrape();
    expect(text).toContain(`${METRIC.raftUp} 1`);
    expect(text).toContain(`${METRIC.raftRole}{role="follower"} 1`);
    expect(text).toContain(`${METRIC.raftRole}{role="leader"} 0`);
    expect(text).toContain(`${METRIC.raftTerm} 1`);
    expect(text).toContain(`${METRIC.raftCommitIndex} 5`);
    expect(text).toContain(`${METRIC.raftLeaderChanges} 0`);
    s = { role: 'leader', term: 2, commit: 9, leader: 1 };
    text = await scrape();
    expect(text).toContain(`${METRIC.raftRole}{role="leader"} 1`);
    expect(text).toContain(`${METRIC.raftLeaderChanges} 1`);
    text = await scrape();
    expect(text).toContain(`${METRIC.raftLeaderChanges} 1`);
  });
});

describe('metric names', () => {
  it('every metric the lab registers is listed in METRIC (one place for names)', async () => {
    const m = createMetrics({ defaultMetrics: false });
    registerSwitchGauges(m.registry, () => null);
    registerBankGauges(
      m.registry,
      async () => ({}),
      () => ({}),
    );
    registerKafkaLag(m.registry);
    registerRaftMetrics(m.registry, () => null);
    const { resilienceMetrics } = await import('../../resilience/src');
    resilienceMetrics(m.registry);
    const known = new Set<string>(Object.values(METRIC));
    const registered = (await m.registry.getMetricsAsJSON()).map((x) => x.name);
    expect(registered.filter((n) => !known.has(n))).toEqual([]);
    expect([...known].filter((n) => !registered.includes(n))).toEqual([]);
  });

  it('knownSeriesNames expands histograms and includes the process metrics the dashboards use', () => {
    const s = knownSeriesNames();
    expect(s.has('upi_payment_latency_seconds_bucket')).toBe(true);
    expect(s.has('upi_payment_latency_seconds')).toBe(false);
    expect(s.has('upi_switch_queue_depth')).toBe(true);
    expect(s.has('process_cpu_seconds_total')).toBe(true);
  });

  it('the process metrics the dashboards use are really exported by prom-client', async () => {
    const names = (await createMetrics().registry.getMetricsAsJSON()).map((x) => x.name);
    for (const p of PROCESS_METRICS) expect(names).toContain(p);
  });
});
