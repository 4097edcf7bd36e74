import { readFileSync } from 'node:fs';
import { InputError } from '../../domain/src/input-error';
import type { LogNormalSpec } from './histogram-fit';

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
  /**
   * Measured one-way transport per link, log-normal, in place of `hop` on that link: `psp` for
   * PSP ↔ switch (upi.reqpay, upi.chktxn and their answers), `bank` for switch ↔ bank.
   */
  readonly links?: { readonly psp?: LogNormalSpec; readonly bank?: LogNormalSpec };
  /**
   * The switch's Raft log: fsync per append plus the round trip to the nearest quorum member, or,
   * when `commit` is given, the measured append-to-durable time (log-normal) instead.
   */
  readonly raft?: { readonly fsyncMs?: number; readonly commit?: LogNormalSpec };
  /**
   * How the measured links and Raft commit slow down with the offered rate (payments/s after
   * scale) on the calibration host: each draw × the factor at the current rate, linear between
   * points, flat outside them. Without it, factor 1.
   */
  readonly load?: readonly { readonly ratePerSec: number; readonly factor: number }[];
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

export class SimModelError extends InputError {
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
  const known = ['version', 'description', 'switch', 'hop', 'links', 'raft', 'load', 'bank', 'calibration'];
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
  const logNormal = (path: string, v: unknown) => {
    if (v === undefined) return;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return void out.push(`${path}: must be an object { medianMs, p99Ms }`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (k !== 'medianMs' && k !== 'p99Ms') out.push(`${path}.${k}: unknown field (known: medianMs, p99Ms)`);
    for (const k of ['medianMs', 'p99Ms'])
      if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) <= 0)
        out.push(`${path}.${k}: must be a number > 0, got ${JSON.stringify(o[k])}`);
    if (typeof o.medianMs === 'number' && typeof o.p99Ms === 'number' && o.p99Ms < o.medianMs)
      out.push(`${path}.p99Ms: must be >= medianMs (${o.medianMs})`);
  };
  const nested = (name: string, keys: string[]) => {
    const v = m[name];
    if (v === undefined) return;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return void out.push(`${name}: must be an object`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!keys.includes(k)) out.push(`${name}.${k}: unknown field (known: ${keys.join(', ')})`);
      else logNormal(`${name}.${k}`, o[k]);
  };
  nested('links', ['psp', 'bank']);
  if (m.load !== undefined) {
    if (!Array.isArray(m.load) || m.load.length === 0)
      out.push('load: must be a non-empty list of { ratePerSec, factor }');
    else
      m.load.forEach((p: unknown, i: number) => {
        const o = (p ?? {}) as Record<string, unknown>;
        for (const k of ['ratePerSec', 'factor'])
          if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) <= 0)
            out.push(`load[${i}].${k}: must be a number > 0, got ${JSON.stringify(o[k])}`);
        const prev = i > 0 ? (m.load as { ratePerSec?: unknown }[])[i - 1]?.ratePerSec : undefined;
        if (typeof prev === 'number' && typeof o.ratePerSec === 'number' && o.ratePerSec <= prev)
          out.push(`load[${i}].ratePerSec: must be above the previous point's (${prev})`);
      });
  }
  const raft = m.raft;
  if (raft !== undefined) {
    if (raft === null || typeof raft !== 'object' || Array.isArray(raft)) out.push('raft: must be an object');
    else {
      const o = raft as Record<string, unknown>;
      for (const k of Object.keys(o))
        if (k !== 'fsyncMs' && k !== 'commit') out.push(`raft.${k}: unknown field (known: fsyncMs, commit)`);
      if (o.fsyncMs === undefined && o.commit === undefined) out.push('raft: needs fsyncMs or commit');
      if (
        o.fsyncMs !== undefined &&
        (typeof o.fsyncMs !== 'number' || !Number.isFinite(o.fsyncMs) || o.fsyncMs < 0)
      )
        out.push(`raft.fsyncMs: must be a number >= 0, got ${JSON.stringify(o.fsyncMs)}`);
      logNormal('raft.commit', o.commit);
    }
  }
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
