import type { BankOp } from '../../domain/src';
import {
  countOutcome,
  observePaymentLatency,
  observeStage,
  registerBankGauges,
  registerSwitchGauges,
  type LabMetrics,
  type Stage,
} from '../../metrics/src';
import type { PaymentObservation } from '../../psp/src';
import { resilienceMetrics } from '../../resilience/src';
import type { SwitchObserver, SwitchService } from '../../switch/src';
import type { EmbeddedOptions, EmbeddedSystem } from './embedded-system';

/** Bank legs by 2PC phase: the first (hold / debit) and the second (commit, abort / credit). */
const LEG_STAGE: Partial<Record<BankOp, Stage>> = {
  PREPARE: 'bank_prepare',
  DEBIT: 'bank_prepare',
  COMMIT: 'bank_commit',
  ABORT: 'bank_commit',
  CREDIT: 'bank_commit',
};

/** The switch core's timing hooks mapped onto the lab's histograms (embedded system and live switch). */
export function switchMetricsObserver(m: LabMetrics): SwitchObserver {
  return {
    queueWait: (ms, category) => {
      observeStage(m, 'queue_wait', ms);
      m.queueWait.observe({ class: category }, ms / 1000);
    },
    batch: (size) => m.batchSize.observe(size),
    decisionLogged: (ms) => observeStage(m, 'raft_commit', ms),
    bankLeg: (op, ms) => {
      const stage = LEG_STAGE[op];
      if (stage) observeStage(m, stage, ms);
    },
  };
}

/** Queue depth per class, held and in-doubt gauges of a switch node, read at scrape time. */
export function watchSwitch(m: LabMetrics, node: () => SwitchService | null): void {
  registerSwitchGauges(m.registry, () => node()?.gauges() ?? null);
}

/**
 * The PSP core's `observe` hook: latency histogram, outcome counter and end-to-end stage, one sample
 * per payment when the payer gets its answer (outcome PENDING when the wait ran out). Labels stay
 * bounded: PSP ids come from the handle registry, class is the category, outcome the status, code a
 * UPI response code.
 */
export function paymentMetricsObserver(m: LabMetrics): (obs: PaymentObservation) => void {
  return (obs) => {
    if (obs.phase !== 'ANSWERED') return;
    const r = obs.record;
    observePaymentLatency(m, { psp: r.pspId, class: r.category, outcome: r.status }, obs.latencyMs);
    observeStage(m, 'end_to_end', obs.latencyMs);
    countOutcome(m, r.status, r.code, r.decline);
  };
}

/** Every metric of an embedded system on one registry (as `upi-lab serve` exposes them). */
export function embeddedMetrics(m: LabMetrics): Pick<
  EmbeddedOptions,
  'observePayments' | 'resilienceMetrics' | 'switchObserver'
> & {
  /** Call once the system is up: registers its gauges. */
  watch(system: EmbeddedSystem): void;
} {
  return {
    observePayments: paymentMetricsObserver(m),
    resilienceMetrics: resilienceMetrics(m.registry),
    switchObserver: switchMetricsObserver(m),
    watch: (system) => {
      watchSwitch(m, () => system.switchNode);
      registerBankGauges(
        m.registry,
        async () =>
          Object.fromEntries(
            Object.entries((await system.ledger.summary()).perBank).map(([b, t]) => [b, t.heldPaise]),
          ),
        () => Object.fromEntries(system.banks.allStats().map((s) => [s.id, s.queued])),
      );
    },
  };
}
