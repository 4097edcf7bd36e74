import type { Scenario } from './types';

/** Knobs `upi-lab plan` understands (docs/simulator.md); `<ID>` is a replica or bank id. */
export const PLAN_KNOBS = [
  'switch.capacity',
  'replica.<ID>.capacityTps',
  'bank.<ID>.capacityTps',
  'banks.capacityFactor',
  'batch.size',
  'strategy',
] as const;

const SCHEDULING = ['fifo', 'strict-priority', 'weighted-fair', 'earliest-deadline-first'];

/**
 * Rules for the simulator's `network` and the planner's `plan` sections that a schema cannot say:
 * ids that must exist, fields each event kind needs, knob names and their values.
 */
export function simSectionProblems(s: Scenario): string[] {
  return [...networkProblems(s), ...planProblems(s)];
}

function networkProblems(s: Scenario): string[] {
  const n = s.network;
  if (!n) return [];
  const out: string[] = [];
  const pspIds = new Set(s.topology.psps.map((p) => p.id));
  const bankIds = new Set(s.topology.banks.map((b) => b.id));
  for (const id of Object.keys(n.psps ?? {}))
    if (!pspIds.has(id)) out.push(`network.psps.${id}: no PSP '${id}' in topology.psps`);
  for (const id of Object.keys(n.banks ?? {}))
    if (!bankIds.has(id)) out.push(`network.banks.${id}: no bank '${id}' in topology.banks`);
  for (const key of Object.keys(n.rttMs ?? {}))
    if (key.split('-').length !== 2) out.push(`network.rttMs.${key}: a key is two regions, "A-B"`);
  const replicas = n.switchReplicas ?? [];
  const seen = new Set<string>();
  replicas.forEach((r, i) => {
    if (seen.has(r.id)) out.push(`network.switchReplicas[${i}].id: duplicate id '${r.id}'`);
    seen.add(r.id);
  });
  if (
    replicas.length > 0 &&
    !replicas.some((r, i) => (r.state ?? (i === 0 ? 'serving' : 'standby')) === 'serving')
  )
    out.push('network.switchReplicas: at least one replica must start serving');
  (n.events ?? []).forEach((e, i) => {
    const at = `network.events[${i}]`;
    const has = (f: string) => (e as unknown as Record<string, unknown>)[f] !== undefined;
    const need = (fields: string[], allowed: string[]) => {
      for (const f of fields) if (!has(f)) out.push(`${at}.${f}: required for a '${e.kind}' event`);
      for (const f of ['region', 'extraMs', 'to', 'outageSec', 'replica'])
        if (!allowed.includes(f) && has(f)) out.push(`${at}.${f}: not a field of a '${e.kind}' event`);
    };
    if (e.kind === 'region-latency') need(['region', 'extraMs'], ['region', 'extraMs']);
    else if (e.kind === 'failover') {
      need(['to', 'outageSec'], ['to', 'outageSec']);
      if (e.to !== undefined && !seen.has(e.to))
        out.push(`${at}.to: no replica '${e.to}' in network.switchReplicas`);
    } else if (e.kind === 'replica-online' || e.kind === 'replica-latency') {
      if (e.kind === 'replica-online') need(['replica'], ['replica']);
      else need(['replica', 'extraMs'], ['replica', 'extraMs']);
      if (e.replica !== undefined && !seen.has(e.replica))
        out.push(`${at}.replica: no replica '${e.replica}' in network.switchReplicas`);
    }
  });
  return out;
}

function planProblems(s: Scenario): string[] {
  const p = s.plan;
  if (!p) return [];
  const out: string[] = [];
  const replicaIds = new Set((s.network?.switchReplicas ?? []).map((r) => r.id));
  const bankIds = new Set(s.topology.banks.map((b) => b.id));
  const knobs = new Set<string>();
  p.variables.forEach((v, i) => {
    const at = `plan.variables[${i}]`;
    if (knobs.has(v.knob)) out.push(`${at}.knob: '${v.knob}' appears twice`);
    knobs.add(v.knob);
    const numeric = v.knob !== 'strategy';
    const m = /^(replica|bank)\.([A-Z][A-Z0-9_]*)\.capacityTps$/.exec(v.knob);
    if (m) {
      const ids = m[1] === 'replica' ? replicaIds : bankIds;
      if (!ids.has(m[2]!))
        out.push(
          `${at}.knob: no ${m[1]} '${m[2]}' (${m[1] === 'replica' ? 'network.switchReplicas' : 'topology.banks'})`,
        );
    } else if (!['switch.capacity', 'banks.capacityFactor', 'batch.size', 'strategy'].includes(v.knob))
      out.push(`${at}.knob: unknown knob '${v.knob}'; one of ${PLAN_KNOBS.join(', ')}`);
    v.values.forEach((x, j) => {
      if (numeric && !(typeof x === 'number' && x > 0))
        out.push(`${at}.values[${j}]: '${v.knob}' takes positive numbers, got ${JSON.stringify(x)}`);
      if (!numeric && !(typeof x === 'string' && SCHEDULING.includes(x)))
        out.push(
          `${at}.values[${j}]: a strategy is one of ${SCHEDULING.join(', ')}, got ${JSON.stringify(x)}`,
        );
      if (v.knob === 'batch.size' && typeof x === 'number' && !Number.isInteger(x))
        out.push(`${at}.values[${j}]: a batch size is a whole number, got ${x}`);
    });
    if (new Set(v.values).size !== v.values.length) out.push(`${at}.values: a value appears twice`);
    if (v.costs !== undefined && v.costPerUnit !== undefined)
      out.push(`${at}: give costs or costPerUnit, not both`);
    if (v.costs !== undefined && v.costs.length !== v.values.length)
      out.push(`${at}.costs: ${v.costs.length} costs for ${v.values.length} values`);
    if (v.costPerUnit !== undefined && !numeric)
      out.push(`${at}.costPerUnit: only for numeric knobs; use costs`);
  });
  return out;
}
