import { assertNonNegative, assertPositiveInt } from './types';

/** Service-time model of one switch replica (upi-facts.md "Batching (seed)": 20 ms + 2 ms per txn). */
export interface SwitchStageModel {
  /** Fixed cost of one batch (ms). */
  readonly fixedMs: number;
  /** Cost per transaction in a batch (ms). */
  readonly perTxnMs: number;
  /** Batches served in parallel (the replica's CPUs). */
  readonly servers: number;
}

export const DEFAULT_STAGE_MODEL: SwitchStageModel = { fixedMs: 20, perTxnMs: 2, servers: 1 };

/** `outage`: zero servers is allowed (a running stage whose capacity is gone, e.g. during a failover). */
export function validateStageModel(m: SwitchStageModel, opts: { outage?: boolean } = {}): SwitchStageModel {
  assertNonNegative('model.fixedMs', m.fixedMs);
  assertNonNegative('model.perTxnMs', m.perTxnMs);
  if (!(opts.outage && m.servers === 0)) assertPositiveInt('model.servers', m.servers);
  if (m.fixedMs + m.perTxnMs <= 0)
    throw new Error('model: a batch must take some time (fixedMs + perTxnMs > 0)');
  return m;
}

export function serviceMs(m: SwitchStageModel, n: number): number {
  return n <= 0 ? 0 : m.fixedMs + m.perTxnMs * n;
}

/** Throughput (txn/s) of the stage when every server runs batches of `batchSize`. */
export function capacityTps(m: SwitchStageModel, batchSize: number): number {
  return (m.servers * batchSize * 1000) / serviceMs(m, batchSize);
}
