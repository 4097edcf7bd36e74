import { Random, UPI_TIMEOUTS_MS, type Timers } from '../../domain/src';
import { BankService, type BankProfile } from '../../bank/src';
import { ClearingService } from '../../clearing/src';
import { InMemoryLedger } from '../../ledger/src';
import { InMemoryIdempotencyStore, PspCore, type PaymentObservation } from '../../psp/src';
import type { Scenario } from '../../scenarios/src';
import type { Topology } from '../../scenarios/src/topology';
import { InMemoryDecisionLog, MapDirectory, SwitchService, type TxnEntry } from '../../switch/src';
import { InMemoryBus } from '../../transport/src';
import type { LegAdmission, ResilienceMetrics } from '../../resilience/src';
import { pspAdmission, switchAdmission, switchSettings } from './switch-config';

export interface EmbeddedOptions {
  readonly scenario: Scenario;
  readonly topology: Topology;
  readonly timers: Timers;
  /** Called when the switch knows a payment's outcome. */
  readonly onOutcome?: (entry: TxnEntry) => void;
  /** Breaker and limiter metrics (libs/resilience); none when absent. */
  readonly resilienceMetrics?: ResilienceMetrics;
  /** Called when the PSP answers a payer (for the latency histogram). */
  readonly observePayments?: (obs: PaymentObservation) => void;
}

/**
 * Every service of the payment flow in one process: PSP, switch, banks and clearing, wired
 * through the in-memory bus and ledger on the given clock. The same cores run as separate Nest
 * processes over Kafka and Redis in live mode.
 */
export class EmbeddedSystem {
  readonly bus: InMemoryBus;
  readonly ledger: InMemoryLedger;
  readonly banks: BankService;
  readonly switchNode: SwitchService;
  readonly clearing: ClearingService;
  readonly psp: PspCore;
  private readonly pspBreaker: LegAdmission;

  private constructor(readonly opts: EmbeddedOptions) {
    const { scenario, topology, timers } = opts;
    const sw = topology.switch;
    const rng = new Random(scenario.seed);
    this.bus = new InMemoryBus({ timers });
    this.ledger = new InMemoryLedger();
    this.banks = new BankService({
      bus: this.bus,
      timers,
      ledger: this.ledger,
      rng: rng.fork('banks'),
      banks: bankProfiles(topology),
    });
    this.switchNode = new SwitchService({
      bus: this.bus,
      timers,
      directory: new MapDirectory(
        [...topology.directory].map(([vpa, d]) => [vpa, { bank: d.bank, account: d.account }]),
      ),
      log: new InMemoryDecisionLog(),
      ...switchSettings(scenario, topology),
      admission: switchAdmission(scenario, timers, opts.resilienceMetrics),
      ...(opts.onOutcome ? { onOutcome: opts.onOutcome } : {}),
    });
    this.clearing = new ClearingService({ bus: this.bus, timers, cycleMs: sw.settlementCycleSec * 1000 });
    let seq = 0;
    this.pspBreaker = pspAdmission(scenario, timers, opts.resilienceMetrics);
    this.psp = new PspCore({
      bus: this.bus,
      timers,
      handles: topology.handles,
      limitPaise: sw.txnLimitPaise,
      answerWaitMs: sw.pspWaitMs,
      upiTimeoutMs: UPI_TIMEOUTS_MS.reqPay,
      store: new InMemoryIdempotencyStore({ clock: timers }),
      txnIds: () => `TXN${String(++seq).padStart(10, '0')}`,
      ...(opts.observePayments ? { observe: opts.observePayments } : {}),
      switchAdmission: this.pspBreaker,
    });
  }

  static async start(opts: EmbeddedOptions): Promise<EmbeddedSystem> {
    const sys = new EmbeddedSystem(opts);
    await sys.ledger.open(opts.topology.accounts);
    await Promise.all([sys.banks.start(), sys.switchNode.start(), sys.clearing.start()]);
    return sys;
  }

  async stop(): Promise<void> {
    await this.switchNode.stop();
    await this.banks.stop();
    await this.clearing.stop();
    this.psp.stop();
    this.pspBreaker.shutdown();
    await this.bus.close();
  }
}

function bankProfiles(t: Topology): BankProfile[] {
  return t.banks.map((b) => ({
    id: b.id,
    capacityTps: b.capacityTps,
    latency: { medianMs: b.latencyP50Ms, p99Ms: b.latencyP99Ms },
    failureRate: b.technicalFailureRate,
  }));
}
