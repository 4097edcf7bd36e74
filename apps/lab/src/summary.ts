import { CATEGORIES, CLASS_INFO, RESPONSE_CODES, isResponseCode, rupees } from '../../../libs/domain/src';
import type { RunResult } from '../../../libs/scenarios/src';

/** The run's result as a person reads it in a terminal. */
export function formatSummary(r: RunResult): string {
  const out: string[] = [];
  const pct = (n: number, d: number) => (d > 0 ? `${((100 * n) / d).toFixed(2)} %` : '-');
  const s = r.outcomes.byStatus;
  out.push(
    `UPI LoadLab — ${r.scenario.name} (${r.mode}, seed ${r.seed}, scale ${r.scenario.scale}, ${r.durationSec} s)`,
  );
  out.push(
    `strategies: scheduling ${r.strategies.scheduling}, batch ${r.strategies.batch.policy}/${r.strategies.batch.size}, breaker ${r.strategies.breaker ?? '-'}`,
  );
  out.push('');
  out.push(`offered     ${r.offered}`);
  out.push(`completed   ${r.completed}   (${r.throughputTps} /s)`);
  out.push(`succeeded   ${s.SUCCESS}   ${pct(s.SUCCESS, r.completed)}`);
  out.push(
    `deemed      ${s.DEEMED}   ${pct(s.DEEMED, r.completed)}   (credit timed out; settled as success)`,
  );
  out.push(
    `declined    ${s.DECLINED}   ${pct(s.DECLINED, r.completed)}   technical ${r.outcomes.technicalDeclines}, business ${r.outcomes.businessDeclines}`,
  );
  if (s.PENDING) out.push(`pending     ${s.PENDING}   (no outcome when the run ended)`);
  const codes = Object.entries(r.outcomes.byCode).filter(([c]) => c !== '00');
  if (codes.length) {
    out.push('');
    out.push('declines by response code');
    for (const [code, { count, kind }] of codes) {
      const text = isResponseCode(code) ? RESPONSE_CODES[code].text : '';
      out.push(`  ${code.padEnd(4)} ${String(kind ?? '').padEnd(3)} ${String(count).padStart(7)}  ${text}`);
    }
  }
  out.push('');
  out.push('latency (ms)          count      p50      p95      p99   deadline  within');
  const o = r.latencyMs.overall;
  out.push(`  ${'overall'.padEnd(18)} ${num(o.count, 7)} ${num(o.p50)} ${num(o.p95)} ${num(o.p99)}`);
  for (const c of CATEGORIES) {
    const l = r.latencyMs.byClass[c];
    const info = CLASS_INFO[c];
    const within = l.withinDeadlineShare === null ? '-' : `${(l.withinDeadlineShare * 100).toFixed(1)} %`;
    out.push(
      `  ${`P${info.priority} ${c}`.padEnd(18)} ${num(l.count, 7)} ${num(l.p50)} ${num(l.p95)} ${num(l.p99)} ${num(l.deadlineMs, 10)}  ${within.padStart(7)}`,
    );
  }
  out.push('');
  out.push(
    `money       opening ${rupees(r.money.openingPaise)}, closing ${rupees(r.money.closingPaise)}, on hold ${rupees(r.money.heldPaise)} — ${r.money.conserved ? 'conserved' : 'NOT CONSERVED'}`,
  );
  out.push(`settlement  ${r.settlement.cycles.length} cycles, net positions sum to ${r.settlement.sum}`);
  for (const [bank, net] of Object.entries(r.settlement.netPositions).sort(([, a], [, b]) => b - a)) {
    out.push(`  ${bank.padEnd(10)} ${rupees(net).padStart(18)}  ${net >= 0 ? 'receives' : 'pays'}`);
  }
  out.push('');
  out.push('invariants');
  for (const i of r.invariants)
    out.push(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}${i.detail ? ` — ${i.detail}` : ''}`);
  return out.join('\n');
}

function num(x: number, w = 8): string {
  return String(Math.round(x * 10) / 10).padStart(w);
}
