import { RESPONSE_CODES } from '../../../libs/domain/src/codes';
import type { K6Plan } from '../../../libs/scenarios/src/k6-plan-types';

export interface SetupData {
  readonly runTag: string;
}

/** The parts of k6's end-of-test summary (`handleSummary(data)`) this script reads. */
export interface K6SummaryData {
  readonly state: { readonly testRunDurationMs: number };
  readonly metrics: Readonly<
    Record<
      string,
      {
        readonly type: string;
        readonly values: Readonly<Record<string, number>>;
        readonly thresholds?: Readonly<Record<string, { readonly ok: boolean }>>;
      }
    >
  >;
}

const OPS: Record<string, string> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=', '==': '==' };

/** `">=0.99"` → `["<op>", value]`, or null (the scenario validator refuses anything else). */
function cond(expr: string): [string, string] | null {
  const m = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expr);
  return m && OPS[m[1]!] ? [m[1]!, m[2]!] : null;
}

/** k6 aggregation for each scenario metric: latencies are trends, the success rate is a rate. */
function k6Expr(metric: string, expr: string): string | null {
  const c = cond(expr);
  if (!c) return null;
  const agg: Record<string, string> = {
    p50Ms: 'p(50)',
    p95Ms: 'p(95)',
    p99Ms: 'p(99)',
    maxMs: 'max',
    successRate: 'rate',
  };
  if (metric === 'droppedArrivals') return `count${c[0]}${c[1]}`;
  return agg[metric] ? `${agg[metric]}${c[0]}${c[1]}` : null;
}

function k6Metric(metric: string, cls: string | null): string {
  if (metric === 'droppedArrivals') return 'dropped_iterations';
  const base = metric === 'successRate' ? 'payment_ok' : 'payment_ms';
  return cls ? `${base}_${cls}` : base;
}

/** The scenario's thresholds as k6 thresholds on this script's metrics. */
export function k6Thresholds(plan: K6Plan): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (metric: string, cls: string | null, expr: string) => {
    const e = k6Expr(metric, expr);
    if (!e) return;
    const name = k6Metric(metric, cls);
    (out[name] ??= []).push(e);
  };
  for (const [m, e] of Object.entries(plan.thresholds.overall ?? {})) add(m, null, e);
  for (const [cls, set] of Object.entries(plan.thresholds.classes ?? {}))
    for (const [m, e] of Object.entries(set)) add(m, cls, e);
  return out;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The common result JSON (docs/result.schema.json, mode "k6") from k6's summary. */
export function buildResult(plan: K6Plan, data: K6SummaryData, target: string) {
  const m = data.metrics;
  const v = (name: string, key: string): number => m[name]?.values[key] ?? 0;
  const latencyOf = (name: string) => ({
    p50: r3(v(name, 'p(50)')),
    p95: r3(v(name, 'p(95)')),
    p99: r3(v(name, 'p(99)')),
    max: r3(v(name, 'max')),
    mean: r3(v(name, 'avg')),
    count: Math.round(v(name, 'count')),
  });
  const status = (s: string) => Math.round(v(`payments_${s}`, 'count'));
  const byStatus = {
    SUCCESS: status('SUCCESS'),
    DECLINED: status('DECLINED'),
    DEEMED: status('DEEMED'),
    PENDING: status('PENDING'),
  };
  const completed = byStatus.SUCCESS + byStatus.DECLINED + byStatus.DEEMED;
  const byCode: Record<string, { count: number; kind: 'TD' | 'BD' | null }> = {};
  let technicalDeclines = 0;
  let businessDeclines = 0;
  for (const [code, info] of Object.entries(RESPONSE_CODES)) {
    const n = Math.round(v(`code_${code}`, 'count'));
    if (!n) continue;
    byCode[code] = { count: n, kind: info.kind };
    if (info.kind === 'TD') technicalDeclines += n;
    if (info.kind === 'BD') businessDeclines += n;
  }
  const byClass: Record<
    string,
    ReturnType<typeof latencyOf> & { deadlineMs: number; withinDeadlineShare: null }
  > = {};
  for (const c of plan.categories)
    byClass[c.category] = {
      ...latencyOf(`payment_ms_${c.category}`),
      deadlineMs: c.deadlineMs,
      withinDeadlineShare: null,
    };
  // The faults scenario's iteration is not an arrival.
  const iterations = Math.round(v('iterations', 'count')) - Math.round(v('fault_iterations', 'count'));
  const dropped = Math.round(v('dropped_iterations', 'count'));
  const durationSec = r3(data.state.testRunDurationMs / 1000);

  // Money: the PSP's ledger summary read in teardown (needs UPI_ADMIN_TOKEN); unchecked otherwise.
  const checkedMoney = m.money_opening_paise !== undefined;
  const opening = Math.round(v('money_opening_paise', 'value'));
  const closing = Math.round(v('money_closing_paise', 'value'));
  const held = Math.round(v('money_held_paise', 'value'));
  const retryChecks = m.checks ? v('checks', 'rate') : 1;
  const thresholds: { metric: string; condition: string; ok: boolean }[] = [];
  for (const [name, metric] of Object.entries(m))
    for (const [condition, t] of Object.entries(metric.thresholds ?? {}))
      thresholds.push({ metric: name, condition, ok: t.ok });
  const failed = thresholds.filter((t) => !t.ok);
  const ok = v('payment_ok', 'rate');

  const text = [
    `UPI LoadLab k6 — ${plan.scenario.name} (scale ${plan.scenario.scale}) against ${target}`,
    `arrivals ${iterations + dropped}, dropped ${dropped}, completed ${completed}, pending ${byStatus.PENDING}`,
    `success rate ${(ok * 100).toFixed(2)} % (business declines count as correct answers)`,
    `latency p50 ${latencyOf('payment_ms').p50} ms, p99 ${latencyOf('payment_ms').p99} ms`,
    ...thresholds.map((t) => `  ${t.ok ? 'ok  ' : 'FAIL'} ${t.metric} ${t.condition}`),
    failed.length ? `verdict FAIL (${failed.length} threshold(s))` : 'verdict PASS',
  ].join('\n');

  return {
    schemaVersion: 1 as const,
    scenario: { ...plan.scenario },
    mode: 'k6' as const,
    strategies: { scheduling: plan.strategies.scheduling, batch: { ...plan.strategies.batch } },
    seed: plan.seed,
    startedAt: new Date(Date.now() - data.state.testRunDurationMs).toISOString(),
    durationSec,
    offered: iterations + dropped,
    completed,
    outcomes: { byStatus, byCode, technicalDeclines, businessDeclines },
    latencyMs: { overall: latencyOf('payment_ms'), byClass },
    throughputTps: durationSec > 0 ? Math.round((completed / durationSec) * 100) / 100 : 0,
    // k6's end-of-test summary has no per-second series (stream k6's JSON output for one).
    timeline: [] as never[],
    money: {
      openingPaise: opening,
      closingPaise: closing,
      heldPaise: held,
      conserved: checkedMoney && opening === closing && held === 0,
    },
    settlement: { cycles: [] as never[], netPositions: {}, sum: 0 },
    invariants: [
      {
        name: 'money conserved (PSP ledger summary: balances + holds = opening)',
        ok: checkedMoney && opening === closing && held === 0,
        detail: checkedMoney
          ? `opening ${opening}, closing ${closing}, holds ${held}`
          : 'not checked: set UPI_ADMIN_TOKEN',
      },
      {
        name: 'every check passed (retries answer the same payment, answers well formed)',
        ok: retryChecks === 1,
        detail: `checks pass rate ${r3(retryChecks)}`,
      },
    ],
    extensions: {
      target,
      droppedArrivals: dropped,
      statusPolls: Math.round(v('status_polls', 'count')),
      clientRetries: Math.round(v('client_retries', 'count')),
      faultCalls: {
        ok: Math.round(v('fault_calls_ok', 'count')),
        failed: Math.round(v('fault_calls_failed', 'count')),
      },
      failedRequests: status('FAILED'),
      thresholds,
      verdict: failed.length ? 'thresholds failed' : 'pass',
      text,
    },
  };
}
