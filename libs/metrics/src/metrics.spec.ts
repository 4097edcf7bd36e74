import { createMetrics, observePaymentLatency, PAYMENT_LATENCY_BUCKETS_SECONDS } from './index';

describe('createMetrics', () => {
  it('exposes the payment latency histogram with its buckets and labels', async () => {
    const m = createMetrics({ defaultMetrics: false });
    observePaymentLatency(m, { psp: 'PHONEPE', class: 'P2P', outcome: 'SUCCESS' }, 40);
    observePaymentLatency(m, { psp: 'PHONEPE', class: 'P2P', outcome: 'SUCCESS' }, 40_000);
    const text = await m.registry.metrics();
    expect(text).toContain('# TYPE upi_payment_latency_seconds histogram');
    expect(text).toContain(
      'upi_payment_latency_seconds_bucket{le="0.001",psp="PHONEPE",class="P2P",outcome="SUCCESS"} 0',
    );
    expect(text).toContain(
      'upi_payment_latency_seconds_bucket{le="0.05",psp="PHONEPE",class="P2P",outcome="SUCCESS"} 1',
    );
    expect(text).toContain(
      'upi_payment_latency_seconds_bucket{le="30",psp="PHONEPE",class="P2P",outcome="SUCCESS"} 1',
    );
    expect(text).toContain(
      'upi_payment_latency_seconds_count{psp="PHONEPE",class="P2P",outcome="SUCCESS"} 2',
    );
    expect(PAYMENT_LATENCY_BUCKETS_SECONDS[0]).toBe(0.001);
    expect(PAYMENT_LATENCY_BUCKETS_SECONDS.at(-1)).toBe(30);
  });

  it('adds default process metrics and labels, on its own registry', async () => {
    const a = createMetrics({ defaultLabels: { service: 'psp' } });
    const b = createMetrics();
    const text = await a.registry.metrics();
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="psp"\}/);
    expect(a.registry).not.toBe(b.registry);
    expect(await b.registry.getSingleMetricAsString('upi_payment_latency_seconds')).not.toContain('service=');
  });
});
