import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC } from './names';

/*
 * Gauges read at scrape time through collect() callbacks: the cores keep their own counts and are
 * asked only when Prometheus scrapes, so nothing is pushed on the payment path.
 */

/** What the switch reports for its gauges (SwitchService.gaugeSnapshot). */
export interface SwitchGaugeSource {
  /** Payments waiting in the switch queue, per category. */
  readonly queueByClass: Readonly<Record<string, number>>;
  /** System-initiated payments held for NPCI's peak windows. */
  readonly held: number;
  /** 2PC transactions whose coordinator work is not finished (votes, decision or phase two outstanding). */
  readonly inDoubt: number;
}

/** `upi_switch_queue_depth{class}`, `upi_switch_held_system_payments`, `upi_switch_in_doubt_transactions`. */
export function registerSwitchGauges(registry: Registry, source: () => SwitchGaugeSource | null): void {
  const registers = [registry];
  new Gauge({
    name: METRIC.switchQueueDepth,
    help: 'Payments waiting in the switch queue, by category',
    labelNames: ['class'],
    registers,
    collect() {
      const s = source();
      if (s) for (const [c, n] of Object.entries(s.queueByClass)) this.set({ class: c }, n);
    },
  });
  new Gauge({
    name: METRIC.switchHeld,
    help: "System-initiated payments held for NPCI's peak windows",
    registers,
    collect() {
      const s = source();
      if (s) this.set(s.held);
    },
  });
  new Gauge({
    name: METRIC.switchInDoubt,
    help: '2PC transactions whose coordinator work is not finished (votes, decision or phase two outstanding)',
    registers,
    collect() {
      const s = source();
      if (s) this.set(s.inDoubt);
    },
  });
}

/**
 * `upi_ledger_held_paise{bank}` (money held by holds not yet captured or released) and
 * `upi_bank_queue_depth{bank}`. `held` may be async (the Redis ledger keeps running sums, so it is one
 * round trip); a failing read leaves the last value.
 */
export function registerBankGauges(
  registry: Registry,
  held: () => Promise<Readonly<Record<string, number>>>,
  queued: () => Readonly<Record<string, number>>,
): void {
  const registers = [registry];
  new Gauge({
    name: METRIC.ledgerHeld,
    help: 'Paise held by ledger holds not yet captured or released, per bank',
    labelNames: ['bank'],
    registers,
    async collect() {
      try {
        for (const [bank, paise] of Object.entries(await held())) this.set({ bank }, paise);
      } catch {
        // The ledger is unreachable: keep the last value rather than failing the whole scrape.
      }
    },
  });
  new Gauge({
    name: METRIC.bankQueue,
    help: "Requests waiting in a bank's service model, per bank",
    labelNames: ['bank'],
    registers,
    collect() {
      for (const [bank, n] of Object.entries(queued())) this.set({ bank }, n);
    },
  });
}

/**
 * `upi_kafka_consumer_lag{topic}`: messages behind the partition's high watermark after the last
 * batch a consumer took, summed over the topic's partitions. Returns the hook the Kafka bus calls
 * per batch (kafkajs computes the lag from the fetch response, so it costs no broker request).
 */
export function registerKafkaLag(
  registry: Registry,
): (topic: string, partition: number, lag: number) => void {
  const last = new Map<string, Map<number, number>>();
  new Gauge({
    name: METRIC.kafkaConsumerLag,
    help: 'Kafka consumer lag (messages behind the high watermark after the last batch), per topic',
    labelNames: ['topic'],
    registers: [registry],
    collect() {
      for (const [topic, parts] of last) {
        let sum = 0;
        for (const v of parts.values()) sum += v;
        this.set({ topic }, sum);
      }
    },
  });
  return (topic, partition, lag) => {
    let parts = last.get(topic);
    if (!parts) last.set(topic, (parts = new Map()));
    parts.set(partition, Math.max(0, lag));
  };
}

/** What a Raft host reports: role, current term, commit index and the leader it knows (null: none). */
export interface RaftStatus {
  readonly role: string;
  readonly term: number;
  readonly commit: number;
  readonly leader: string | number | null;
}

export const RAFT_ROLES = ['follower', 'pre-candidate', 'candidate', 'leader'] as const;

/**
 * Raft gauges read at scrape time: `upi_raft_role{role}` (1 for the current role, 0 for the others),
 * `upi_raft_term`, `upi_raft_commit_index`, `upi_raft_status_available` (0 while the provider
 * returns null, e.g. before the node starts) and `upi_raft_leader_changes_total`, counted whenever
 * a scrape sees a different leader than the previous one (so changes between two scrapes fold into
 * one; `changes(upi_raft_term[5m])` complements it).
 */
export function registerRaftMetrics(registry: Registry, statusProvider: () => RaftStatus | null): void {
  const registers = [registry];
  // One read per scrape, shared by every gauge of that scrape.
  let cached: { at: number; s: RaftStatus | null } | null = null;
  const read = (): RaftStatus | null => {
    const now = Date.now();
    if (!cached || now - cached.at > 50) cached = { at: now, s: statusProvider() };
    return cached.s;
  };
  let lastLeader: string | number | null | undefined;
  new Counter({
    name: METRIC.raftLeaderChanges,
    help: 'Leader changes seen by this node (counted at scrape time)',
    registers,
    collect() {
      const s = read();
      if (!s) return;
      if (lastLeader !== undefined && s.leader !== lastLeader) this.inc();
      lastLeader = s.leader;
    },
  });
  new Gauge({
    name: METRIC.raftRole,
    help: 'Raft role of this node: 1 for the current role, 0 for the others',
    labelNames: ['role'],
    registers,
    collect() {
      const s = read();
      for (const r of RAFT_ROLES) this.set({ role: r }, s?.role === r ? 1 : 0);
    },
  });
  new Gauge({
    name: METRIC.raftTerm,
    help: 'Current Raft term of this node',
    registers,
    collect() {
      const s = read();
      if (s) this.set(s.term);
    },
  });
  new Gauge({
    name: METRIC.raftCommitIndex,
    help: 'Raft commit index of this node',
    registers,
    collect() {
      const s = read();
      if (s) this.set(s.commit);
    },
  });
  new Gauge({
    name: METRIC.raftUp,
    help: 'Whether this node reports a Raft status (0 before it starts or without Raft)',
    registers,
    collect() {
      this.set(read() ? 1 : 0);
    },
  });
}
