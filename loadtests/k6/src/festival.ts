/**
 * A UPI LoadLab scenario as a k6 test: open-model arrivals (`ramping-arrival-rate`) following the
 * scenario's curve, its PSP/class mix, accounts and amounts, client retries reusing the
 * Idempotency-Key, 202 PENDING polled within NPCI's limits, thresholds from the scenario, and the
 * common result JSON (docs/result.schema.json, mode "k6") written by handleSummary.
 *
 *   upi-lab k6-export --scenario scenarios/nye.yaml --out plan.json
 *   k6 run -e PLAN=plan.json -e TARGET=http://127.0.0.1:18080 -e UPI_ADMIN_TOKEN=... dist/festival.js
 *
 * Environment: PLAN (plan file, default plan.json), TARGET (PSP base URL), UPI_ADMIN_TOKEN (reads the
 * ledger before and after, for the money check), RESULT (result file, default result.json),
 * SWITCHES (comma-separated switch replica base URLs: with the token, setup tells each when the run
 * started and at which time of day, as `upi-lab run --live` does), BANKS (`BANK=URL,…`: the bank
 * processes, as `upi-lab stack status` lists them) and PSPS (every PSP process, default TARGET):
 * with the token, the scenario's faults are injected at their times (a `faults` scenario of one
 * VU), and what is still in force is cleared in teardown. A killed switch leader stays down: k6
 * cannot start processes (`upi-lab stack start switch-N`, or `upi-lab load`, which does).
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { RESPONSE_CODES } from '../../../libs/domain/src/codes';
import type { K6Plan } from '../../../libs/scenarios/src/k6-plan-types';
import { buildResult, k6Thresholds, type SetupData } from './result';

// k6 provides console (its logs); @types/k6 leaves it to the DOM lib, which a k6 script has not.
declare const console: { warn(...args: unknown[]): void };

const plan = JSON.parse(open(__ENV.PLAN || 'plan.json')) as K6Plan;
const BASE = (__ENV.TARGET || 'http://127.0.0.1:18080').replace(/\/+$/, '');
const TOKEN = __ENV.UPI_ADMIN_TOKEN || '';
const RESULT = __ENV.RESULT || 'result.json';
const SWITCHES = (__ENV.SWITCHES || '')
  .split(',')
  .map((u) => u.trim().replace(/\/+$/, ''))
  .filter((u) => u.length > 0);
/** `BANK=URL` pairs: where each bank's admin API answers. */
const BANKS = new Map(
  (__ENV.BANKS || '')
    .split(',')
    .map((x) => x.trim().split('='))
    .filter((kv) => kv.length === 2 && kv[0]!.length > 0 && kv[1]!.length > 0)
    .map(([bank, url]) => [bank!.trim(), url!.trim().replace(/\/+$/, '')] as const),
);
const PSPS = (__ENV.PSPS || BASE)
  .split(',')
  .map((u) => u.trim().replace(/\/+$/, ''))
  .filter((u) => u.length > 0);
/** The scenario's faults are injected only with the admin token (the admin routes need it). */
const FAULTS = TOKEN !== '' && plan.faults.length > 0;
const CLASSES = plan.categories.map((c) => c.category);
const FINAL = ['SUCCESS', 'DECLINED', 'DEEMED'];

export const options: Options = {
  scenarios: {
    festival: {
      executor: 'ramping-arrival-rate',
      startRate: plan.arrival.startRate,
      timeUnit: plan.arrival.timeUnit,
      preAllocatedVUs: plan.arrival.preAllocatedVUs,
      maxVUs: plan.arrival.maxVUs,
      stages: plan.arrival.stages.map((s) => ({ target: s.target, duration: s.duration })),
    },
    ...(FAULTS
      ? {
          faults: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: 1,
            exec: 'faults',
            maxDuration: `${Math.ceil(plan.durationSec) + 30}s`,
          },
        }
      : {}),
  },
  thresholds: k6Thresholds(plan),
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(50)', 'p(95)', 'p(99)', 'count'],
  // The PSP holds a request up to pspWaitMs, and a status poll is quick: time out well after both.
  setupTimeout: '60s',
  teardownTimeout: '90s',
};

// Time to the final answer (polls included), overall and per class; success share likewise.
const latency = new Trend('payment_ms', true);
const latencyByClass: Record<string, Trend> = {};
const okRate = new Rate('payment_ok');
const okByClass: Record<string, Rate> = {};
for (const c of CLASSES) {
  latencyByClass[c] = new Trend(`payment_ms_${c}`, true);
  okByClass[c] = new Rate(`payment_ok_${c}`);
}
const statusCount: Record<string, Counter> = {};
for (const s of [...FINAL, 'PENDING', 'FAILED']) statusCount[s] = new Counter(`payments_${s}`);
const codeCount: Record<string, Counter> = {};
for (const code of Object.keys(RESPONSE_CODES)) codeCount[code] = new Counter(`code_${code}`);
const statusPolls = new Counter('status_polls');
const retriesSent = new Counter('client_retries');
const moneyOpening = new Gauge('money_opening_paise');
const moneyClosing = new Gauge('money_closing_paise');
const moneyHeld = new Gauge('money_held_paise');
const faultCallsOk = new Counter('fault_calls_ok');
const faultCallsFailed = new Counter('fault_calls_failed');
/** The faults scenario's one iteration, taken out of the arrivals in the result. */
const faultIterations = new Counter('fault_iterations');

interface Answer {
  readonly status?: string;
  readonly code?: string | null;
  readonly txnId?: string;
}

interface LedgerSummary {
  readonly openingPaise: number;
  readonly availablePaise: number;
  readonly heldPaise: number;
}

function ledgerSummary(): LedgerSummary | null {
  if (!TOKEN) return null;
  const r = http.get(`${BASE}/admin/ledger/summary`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    tags: { name: 'GET /admin/ledger/summary' },
  });
  return r.status === 200 ? (r.json() as unknown as LedgerSummary) : null;
}

/**
 * The switch processes were started before this run, and NPCI's hold on system-initiated traffic
 * follows the run's time of day: tell each replica when the run starts (PUT /admin/run-clock).
 */
function announceRunClock(): void {
  if (!TOKEN || SWITCHES.length === 0) return;
  const body = JSON.stringify({ startedAt: Date.now(), startTimeOfDay: plan.startTimeOfDay });
  for (const url of SWITCHES) {
    const r = http.put(`${url}/admin/run-clock`, body, {
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      tags: { name: 'PUT /admin/run-clock' },
    });
    check(r, { 'the switch took the run clock': (x) => x.status === 200 });
  }
}

type FaultCall = (typeof plan.faults)[number];

// No content type without a body: Fastify refuses an empty JSON body (a DELETE's) with 400.
const adminParams = (name: string, json = false) => ({
  headers: { authorization: `Bearer ${TOKEN}`, ...(json ? { 'content-type': 'application/json' } : {}) },
  tags: { name },
});
const is2xx = (status: number) => status >= 200 && status < 300;

/** PUT the body, or DELETE without one. */
function putOrDelete(url: string, body: Readonly<Record<string, unknown>> | null, name: string): boolean {
  const r = body
    ? http.put(url, JSON.stringify(body), adminParams(`PUT ${name}`, true))
    : http.request('DELETE', url, null, adminParams(`DELETE ${name}`));
  return is2xx(r.status);
}

/** The replica that says it leads in the highest term is crashed (POST /admin/crash). */
function crashLeader(): boolean {
  let leader: { url: string; term: number } | null = null;
  for (const url of SWITCHES) {
    const r = http.get(`${url}/admin/raft`, adminParams('GET /admin/raft'));
    if (r.status !== 200) continue;
    const v = r.json() as { role?: string; term?: number };
    if (v.role === 'leader' && (leader === null || (v.term ?? 0) > leader.term))
      leader = { url, term: v.term ?? 0 };
  }
  if (!leader) return false;
  const r = http.post(`${leader.url}/admin/crash`, null, adminParams('POST /admin/crash'));
  // The crashing process may close the connection before answering.
  return is2xx(r.status) || r.status === 0;
}

function faultCall(a: FaultCall): boolean {
  if (a.target === 'bank') {
    const url = BANKS.get(a.bank ?? '');
    return (
      url !== undefined &&
      putOrDelete(`${url}/admin/banks/${encodeURIComponent(a.bank!)}/fault`, a.body, '/admin/banks/:id/fault')
    );
  }
  if (a.target === 'psps') {
    // Each PSP process admits its share: the PSP as a whole admits the plan's rate.
    const body = a.body ? { ...a.body, ratePerSec: Number(a.body.ratePerSec) / PSPS.length } : null;
    return PSPS.map((u) => putOrDelete(`${u}/admin/throttle`, body, '/admin/throttle')).every((ok) => ok);
  }
  return crashLeader();
}

/** The `faults` scenario: the plan's fault calls at their times (it starts with the festival scenario). */
export function faults(): void {
  faultIterations.add(1);
  const t0 = Date.now();
  for (const a of plan.faults) {
    // A fault that outlasts the arrivals is cleared by teardown, not waited for.
    if (a.atSec > plan.durationSec) break;
    const waitMs = a.atSec * 1000 - (Date.now() - t0);
    if (waitMs > 0) sleep(waitMs / 1000);
    const ok = faultCall(a);
    (ok ? faultCallsOk : faultCallsFailed).add(1, { kind: a.kind, action: a.action });
    if (!ok) console.warn(`fault ${a.action} ${a.kind}${a.bank ? ` on ${a.bank}` : ''} failed`);
  }
}

/** A run leaves the stack as it found it: bank faults and throttles still set are cleared. */
function clearFaults(): void {
  if (!FAULTS) return;
  const banks = new Set(plan.faults.filter((a) => a.target === 'bank').map((a) => a.bank!));
  for (const bank of banks) {
    const url = BANKS.get(bank);
    if (url)
      putOrDelete(`${url}/admin/banks/${encodeURIComponent(bank)}/fault`, null, '/admin/banks/:id/fault');
  }
  if (plan.faults.some((a) => a.target === 'psps'))
    for (const u of PSPS) putOrDelete(`${u}/admin/throttle`, null, '/admin/throttle');
  if (plan.faults.some((a) => a.target === 'switch-leader'))
    console.warn('a switch replica the run crashed stays down: upi-lab stack start switch-N');
}

export function setup(): SetupData {
  announceRunClock();
  // Run-unique Idempotency-Keys: the PSP's idempotency records outlive one run.
  return {
    runTag: `${plan.scenario.name.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}-${Date.now().toString(36)}`,
  };
}

function pick<T extends { share: number }>(xs: readonly T[]): T {
  let u = Math.random() * xs.reduce((a, x) => a + x.share, 0);
  for (const x of xs) if ((u -= x.share) < 0) return x;
  return xs[xs.length - 1]!;
}

function oneOf<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

/** A log-normal amount with the class's median, within ₹1 and the switch's per-payment limit. */
function amount(medianPaise: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  return Math.min(plan.txnLimitPaise, Math.max(100, Math.round(medianPaise * Math.exp(sigma * z))));
}

function payment() {
  const psp = pick(plan.psps);
  const cls = pick(plan.categories);
  const payerVpa = oneOf(psp.vpas);
  let payeeVpa = oneOf(plan.payees);
  if (Math.random() < plan.unknownPayeeShare)
    payeeVpa = `x${exec.scenario.iterationInTest}@${oneOf(plan.handles)}`;
  else while (payeeVpa === payerVpa && plan.payees.length > 1) payeeVpa = oneOf(plan.payees);
  return {
    psp: psp.id,
    body: {
      payerVpa,
      payeeVpa,
      amountPaise: amount(cls.medianPaise, cls.sigma),
      category: cls.category,
      initiation: Math.random() < plan.systemInitiatedShare ? 'SYSTEM' : 'CUSTOMER',
    },
  };
}

function post(key: string, body: object, tags: Record<string, string>) {
  return http.post(`${BASE}/v1/payments`, JSON.stringify(body), {
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    tags: { ...tags, name: 'POST /v1/payments' },
  });
}

/** Polls a 202 as NPCI allows: first after firstAfterMs, then every everyMs, maxPolls at most. */
function pollUntilFinal(txnId: string, tags: Record<string, string>): Answer | null {
  const sp = plan.statusPoll;
  for (let n = 0; n < sp.maxPolls; n++) {
    sleep((n === 0 ? sp.firstAfterMs : sp.everyMs) / 1000);
    statusPolls.add(1, tags);
    const r = http.get(`${BASE}/v1/payments/${encodeURIComponent(txnId)}`, {
      tags: { ...tags, name: 'GET /v1/payments/:txnId' },
    });
    if (r.status !== 200) continue;
    const a = r.json() as unknown as Answer;
    if (a.status && FINAL.includes(a.status)) return a;
  }
  return null;
}

export default function (data: SetupData): void {
  const { psp, body } = payment();
  const cls = body.category;
  const tags = { psp, class: cls };
  const key = `${data.runTag}-${exec.scenario.iterationInTest}`;
  const t0 = Date.now();
  const res = post(key, body, tags);
  let answer: Answer | null =
    res.status === 200 || res.status === 202 ? (res.json() as unknown as Answer) : null;
  check(
    res,
    {
      'payment accepted (200 or 202)': (r) => r.status === 200 || r.status === 202,
      'answer names the payment': () => answer !== null && typeof answer.txnId === 'string',
    },
    tags,
  );
  const firstTxn = answer?.txnId;
  if (answer && !(answer.status && FINAL.includes(answer.status)) && answer.txnId)
    answer = pollUntilFinal(answer.txnId, tags);
  const ms = Date.now() - t0;

  const status =
    answer?.status && FINAL.includes(answer.status)
      ? answer.status
      : res.status === 202
        ? 'PENDING'
        : 'FAILED';
  statusCount[status]!.add(1, tags);
  const code = answer?.code ?? null;
  if (code && codeCount[code]) codeCount[code].add(1, tags);
  // Ok = the system worked: success, deemed, or a business decline (thresholds.ts, same rule).
  const ok =
    status === 'SUCCESS' ||
    status === 'DEEMED' ||
    (status === 'DECLINED' && !!code && RESPONSE_CODES[code as keyof typeof RESPONSE_CODES]?.kind === 'BD');
  okRate.add(ok, tags);
  okByClass[cls]!.add(ok, tags);
  if (FINAL.includes(status)) {
    latency.add(ms, tags);
    latencyByClass[cls]!.add(ms, tags);
  }

  // The scenario's share of client retries: the same key and body again, a few hundred ms later.
  const retryChance = plan.retryShare / (1 - plan.retryShare);
  if (firstTxn && Math.random() < retryChance) {
    const { min, max } = plan.retryDelayMs;
    sleep((min + Math.random() * (max - min)) / 1000);
    retriesSent.add(1, tags);
    const again = post(key, body, { ...tags, retry: 'true' });
    check(
      again,
      {
        'retry answers the same payment': (r) =>
          (r.status === 200 || r.status === 202) && (r.json() as unknown as Answer).txnId === firstTxn,
      },
      { ...tags, retry: 'true' },
    );
  }
}

export function teardown(): void {
  clearFaults();
  // In-flight holds are released a little after the last answer: wait for them, 60 s at most.
  for (let i = 0; i < 60; i++) {
    const s = ledgerSummary();
    if (!s) return;
    if (s.heldPaise === 0 || i === 59) {
      moneyOpening.add(s.openingPaise);
      moneyClosing.add(s.availablePaise + s.heldPaise);
      moneyHeld.add(s.heldPaise);
      return;
    }
    sleep(1);
  }
}

export function handleSummary(data: Parameters<typeof buildResult>[1]): Record<string, string> {
  const result = buildResult(plan, data, BASE);
  return { [RESULT]: JSON.stringify(result, null, 2) + '\n', stdout: result.extensions.text + '\n' };
}
