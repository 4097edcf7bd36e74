import { readFileSync } from 'node:fs';

/**
 * The simulator's service-time model (docs/simulator.md, "Model file"): what each component costs,
 * written by `upi-lab calibrate` or by hand, read by `simulate --model`. Every field is optional;
 * what is absent comes from the scenario (switch stage, bank latencies) or the defaults below.
 */
export interface SimModel {
  readonly version: 1;
  readonly description?: string;
  /** Switch CPU per batch: replaces the scenario's stage fixedMs / perTxnMs. */
  readonly switch?: { readonly fixedMs?: number; readonly perTxnMs?: number };
  /** One broker/transport hop (Kafka in live mode), log-normal, added to every message's region latency. */
  readonly hop?: { readonly medianMs: number; readonly p99Ms: number };
  /** The switch's Raft log: fsync per append, plus the round trip to the nearest quorum member. */
  readonly raft?: { readonly fsyncMs: number };
  /** Bank CBS latency: the scenario's p50/p99 × factor + extraMs. */
  readonly bank?: { readonly latencyFactor?: number; readonly extraMs?: number };
  /** How the model was obtained (calibration points, fit errors); informational. */
  readonly calibration?: unknown;
}

export const DEFAULT_SIM_MODEL: SimModel = {
  version: 1,
  description: 'defaults: in-memory hop 0.2 ms (p99 1 ms), fsync 1 ms, scenario switch and bank figures',
  hop: { medianMs: 0.2, p99Ms: 1 },
  raft: { fsyncMs: 1 },
};

export class SimModelError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid simulator model\n  ${problems.join('\n  ')}`);
    this.name = 'SimModelError';
  }
}

/** Checks a parsed model file; every problem is reported at once, as `path: message`. */
export function validateSimModel(raw: unknown, source = '(model)'): SimModel {
  const out: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SimModelError(source, ['(file): a model is a JSON object']);
  const m = raw as Record<string, unknown>;
  if (m.version !== 1) out.push(`version: must be 1, got ${JSON.stringify(m.version)}`);
  const known = ['version', 'description', 'switch', 'hop', 'raft', 'bank', 'calibration'];
  for (const k of Object.keys(m))
    if (!known.includes(k)) out.push(`${k}: unknown field (known: ${known.join(', ')})`);
  if (m.description !== undefined && typeof m.description !== 'string')
    out.push('description: must be a string');
  const section = (
    name: string,
    fields: Record<string, 'required' | 'optional'>,
    positive: string[] = [],
  ) => {
    const v = m[name];
    if (v === undefined) return;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return out.push(`${name}: must be an object`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!(k in fields)) out.push(`${name}.${k}: unknown field (known: ${Object.keys(fields).join(', ')})`);
    for (const [k, need] of Object.entries(fields)) {
      const x = o[k];
      if (x === undefined) {
        if (need === 'required') out.push(`${name}.${k}: required`);
        continue;
      }
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
        out.push(`${name}.${k}: must be a number >= 0, got ${JSON.stringify(x)}`);
      else if (positive.includes(k) && x === 0) out.push(`${name}.${k}: must be > 0`);
    }
    return 0;
  };
  section('switch', { fixedMs: 'optional', perTxnMs: 'optional' });
  section('hop', { medianMs: 'required', p99Ms: 'required' }, ['medianMs', 'p99Ms']);
  section('raft', { fsyncMs: 'required' });
  section('bank', { latencyFactor: 'optional', extraMs: 'optional' }, ['latencyFactor']);
  const sw = m.switch as { fixedMs?: number; perTxnMs?: number } | undefined;
  if (sw && typeof sw === 'object' && sw.fixedMs === 0 && sw.perTxnMs === 0)
    out.push('switch: a batch must take some time (fixedMs + perTxnMs > 0)');
  const hop = m.hop as { medianMs?: number; p99Ms?: number } | undefined;
  if (hop && typeof hop.medianMs === 'number' && typeof hop.p99Ms === 'number' && hop.p99Ms < hop.medianMs)
    out.push(`hop.p99Ms: must be >= medianMs (${hop.medianMs})`);
  if (out.length > 0) throw new SimModelError(source, out);
  return raw as SimModel;
}

export function loadSimModel(path: string): SimModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SimModelError(path, [`(file): cannot read: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SimModelError(path, [`(file): not valid JSON: ${(e as Error).message}`]);
  }
  return validateSimModel(raw, path);
}
