import { join } from 'node:path';
import { createMetrics, METRIC, STAGES } from '../../metrics/src';
import { loadScenario } from '../../scenarios/src';
import { virtualClock } from './clocks';
import { runScenario } from './run-scenario';

describe('metrics fed by the cores through observer hooks (embedded run)', () => {
  it('fills every stage, the batch sizes, outcomes and the switch and bank gauges', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const scenario = loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'), {
      durationSec: 5,
      seed: 11,
    });
    const r = await runScenario(scenario, { clock: virtualClock(), mode: 'embedded', metrics: m });
    const json = await m.registry.getMetricsAsJSON();
    const count = (name: string, labels: Record<string, string> = {}) =>
      json
        .find((x) => x.name === name)!
        .values.filter(
          (v) =>
            (v as { metricName?: string }).metricName === `${name}_count` &&
            Object.entries(labels).every(([k, l]) => v.labels[k] === l),
        )
        .reduce((a, v) => a + v.value, 0);
    for (const stage of STAGES) expect(count(METRIC.stageLatency, { stage })).toBeGreaterThan(0);
    // One end-to-end and one latency sample per payment the PSP answered; a client retry answered
    // from the idempotency store (counted by the run as another completed request) adds none.
    const e2e = count(METRIC.stageLatency, { stage: 'end_to_end' });
    expect(count(METRIC.paymentLatency)).toBe(e2e);
    expect(e2e).toBeLessThanOrEqual(r.completed);
    expect(e2e).toBeGreaterThan(0.9 * r.completed);
    const served = (r.extensions as { switchStage: { counters: { batches: number } } }).switchStage.counters
      .batches;
    expect(count(METRIC.switchBatchSize)).toBe(served);
    // Queue wait per class adds up to the queue_wait stage, and every class waited.
    expect(count(METRIC.switchQueueWait)).toBe(count(METRIC.stageLatency, { stage: 'queue_wait' }));
    for (const c of ['MEDICAL', 'SALARY', 'BILL', 'P2P', 'P2M'])
      expect(count(METRIC.switchQueueWait, { class: c })).toBeGreaterThan(0);
    const outcomes = json.find((x) => x.name === METRIC.paymentOutcomes)!.values;
    const success = outcomes.filter((v) => v.labels.status === 'SUCCESS').reduce((a, v) => a + v.value, 0);
    expect(success).toBeLessThanOrEqual(r.outcomes.byStatus.SUCCESS);
    expect(success).toBeGreaterThan(0.9 * r.outcomes.byStatus.SUCCESS);
    expect(outcomes.every((v) => ['TD', 'BD', 'none'].includes(String(v.labels.kind)))).toBe(true);
    const text = await m.registry.metrics();
    expect(text).toMatch(/upi_switch_queue_depth\{class="MEDICAL"\} \d+/);
    expect(text).toMatch(/upi_switch_in_doubt_transactions \d+/);
    expect(text).toMatch(/upi_ledger_held_paise\{bank="[A-Z]+"\} 0/);
  });
});
