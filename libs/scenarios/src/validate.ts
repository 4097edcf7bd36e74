import Ajv from 'ajv';
import { CATEGORIES } from '../../domain/src';
import { formatAjvErrors } from './ajv-errors';
import { ScenarioError } from './errors';
import { thresholdProblems } from './thresholds';
import { simSectionProblems } from './sim-sections';
import schema from './scenario.schema.json';
import type { Scenario } from './types';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictRequired: false });
const validateSchema = ajv.compile(schema);

/** Shares may be written to two or three decimals, so "sums to 1" allows this much slack. */
const SHARE_TOLERANCE = 0.01;

/**
 * Validates a parsed scenario, fills in defaults (mutating `raw`) and returns it typed. Every
 * problem is collected before throwing, schema problems first, then the rules a schema cannot say.
 */
export function validateScenario(raw: unknown, source: string): Scenario {
  if (!validateSchema(raw)) throw new ScenarioError(source, formatAjvErrors(validateSchema.errors));
  const s = raw as unknown as Scenario;
  const problems = [...semanticProblems(s), ...simSectionProblems(s)];
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return s;
}

function semanticProblems(s: Scenario): string[] {
  const out: string[] = [];
  const { psps, banks } = s.topology;

  const pspShare = psps.reduce((a, p) => a + p.share, 0);
  if (Math.abs(pspShare - 1) > SHARE_TOLERANCE)
    out.push(`topology.psps: shares must sum to 1 (they sum to ${round(pspShare)})`);
  duplicates(psps.map((p) => p.id)).forEach((i) =>
    out.push(`topology.psps[${i}].id: duplicate id '${psps[i]!.id}'`),
  );
  duplicates(banks.map((b) => b.id)).forEach((i) =>
    out.push(`topology.banks[${i}].id: duplicate id '${banks[i]!.id}'`),
  );

  const handleOwner = new Map<string, string>();
  psps.forEach((p, i) =>
    p.handles.forEach((h, j) => {
      const owner = handleOwner.get(h);
      if (owner !== undefined && owner !== p.id)
        out.push(`topology.psps[${i}].handles[${j}]: handle '${h}' already belongs to PSP '${owner}'`);
      else handleOwner.set(h, p.id);
    }),
  );

  banks.forEach((b, i) => {
    if (b.latencyMs.p99 < b.latencyMs.p50)
      out.push(`topology.banks[${i}].latencyMs.p99: must be >= p50 (${b.latencyMs.p50})`);
    if (b.openingBalancePaise.max < b.openingBalancePaise.min)
      out.push(`topology.banks[${i}].openingBalancePaise.max: must be >= min (${b.openingBalancePaise.min})`);
  });
  const accounts = banks.reduce((a, b) => a + b.accounts, 0);
  if (accounts < Math.max(2, psps.length))
    out.push(
      `topology.banks: ${accounts} accounts in all; need at least ${Math.max(2, psps.length)} (two, and one VPA per PSP)`,
    );

  const curve = s.traffic.tpsCurve;
  for (let i = 1; i < curve.length; i++)
    if (!(curve[i]!.t > curve[i - 1]!.t))
      out.push(`traffic.tpsCurve[${i}].t: must be greater than the previous point's t (${curve[i - 1]!.t})`);

  const mix = CATEGORIES.reduce((a, c) => a + (s.traffic.categoryMix[c] ?? 0), 0);
  if (Math.abs(mix - 1) > SHARE_TOLERANCE)
    out.push(`traffic.categoryMix: shares must sum to 1 (they sum to ${round(mix)})`);

  const limit = s.topology.switch.txnLimitPaise;
  if (s.traffic.amount.medianPaise > limit)
    out.push(`traffic.amount.medianPaise: must be <= the switch's txnLimitPaise (${limit})`);
  for (const c of CATEGORIES) {
    const d = s.traffic.amount.byCategory[c];
    if (d && d.medianPaise > limit)
      out.push(
        `traffic.amount.byCategory.${c}.medianPaise: must be <= the switch's txnLimitPaise (${limit})`,
      );
  }
  if (s.traffic.retryDelayMs.max < s.traffic.retryDelayMs.min)
    out.push(`traffic.retryDelayMs.max: must be >= min (${s.traffic.retryDelayMs.min})`);

  out.push(...thresholdProblems(s.thresholds));

  const bankIds = new Set(banks.map((b) => b.id));
  const pspIds = new Set(psps.map((p) => p.id));
  s.faults.forEach((f, i) => {
    const bankFault = f.kind.startsWith('bank-');
    if (bankFault && f.bank !== undefined && !bankIds.has(f.bank))
      out.push(`faults[${i}].bank: no bank '${f.bank}' in topology.banks`);
    if (!bankFault && f.bank !== undefined) out.push(`faults[${i}].bank: a '${f.kind}' fault takes no bank`);
    if (f.kind !== 'psp-throttle')
      for (const k of ['psp', 'ratePerSec', 'status'] as const)
        if (f[k] !== undefined) out.push(`faults[${i}].${k}: only a 'psp-throttle' fault takes ${k}`);
    if (f.psp !== undefined && !pspIds.has(f.psp))
      out.push(`faults[${i}].psp: no PSP '${f.psp}' in topology.psps`);
    if (f.kind !== 'bank-slow' && f.extraLatencyMs !== undefined)
      out.push(`faults[${i}].extraLatencyMs: only a 'bank-slow' fault takes extraLatencyMs`);
  });
  return out;
}

/** Indexes of items that repeat an earlier one. */
function duplicates(ids: readonly string[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  ids.forEach((id, i) => (seen.has(id) ? out.push(i) : seen.add(id)));
  return out;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
