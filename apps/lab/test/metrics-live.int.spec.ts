import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dashboardQueries,
  HISTOGRAMS,
  knownSeriesNames,
  METRIC,
  PROCESS_METRICS,
  readPromql,
  STAGES,
  substituteGrafanaVariables,
} from '../../../libs/metrics/src';
import { runLive } from '../../../libs/runtime/src/run-live';
import { sleep } from '../src/stack/processes';
import { liveTargets } from '../src/stack/stack';
import type { StackState } from '../src/stack/stack-state';
import {
  buildApps,
  ensureInfra,
  infraOk,
  KAFKA_SH,
  quiet,
  REDIS_SH,
  root,
  smoke,
  stackDown,
  upSmokeStack,
} from './live-harness';

/*
 * The dashboards against the real thing: a live stack (shared Kafka and Redis, own ports), a few
 * seconds of load, then (1) every metric a dashboard panel names is a metric family some process
 * really exports on /metrics, and (2) Debian's Prometheus, started by infra/prometheus/prometheus.sh
 * against this stack, scrapes every process and accepts every panel's query.
 */
jest.setTimeout(240_000);

const BASE_PORT = 24080;
const PROM_PORT = 24990;
const DASHBOARDS = join(root, 'infra/grafana/dashboards');
const promState = mkdtempSync(join(tmpdir(), 'upi-prom-'));
// Read at each call: the stack's private folder (UPI_STACK_DIR) is set in beforeAll.
const prom = (arg: string) =>
  execFileSync(join(root, 'infra/prometheus/prometheus.sh'), [arg], {
    cwd: root,
    env: { ...process.env, PROM_PORT: String(PROM_PORT), UPI_STATE: promState },
    encoding: 'utf8',
  });

let started = { kafka: false, redis: false };
let state: StackState | null = null;
let promStarted = false;

beforeAll(async () => {
  buildApps();
  started = ensureInfra();
  state = await upSmokeStack(BASE_PORT);
});

afterAll(async () => {
  if (promStarted) prom('stop');
  await stackDown(quiet); // also after a start that failed half-way (no state returned)
  if (started.kafka) infraOk(KAFKA_SH, 'stop');
  if (started.redis) infraOk(REDIS_SH, 'stop');
});

/** Metric families a /metrics text declares (`# TYPE name kind`), histograms expanded to their series. */
function families(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, kind] = m;
    if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name! + s);
    else out.add(name!);
  }
  return out;
}

it('every metric the dashboards name is exported by a process of the live stack; Prometheus scrapes them all and accepts every query', async () => {
  const result = await runLive(smoke(6), { targets: liveTargets(state!) });
  expect(result.completed).toBeGreaterThan(50);

  // (1) A live scrape of every process.
  const exported = new Set<string>();
  const perComponent: Record<string, number> = {};
  const stageSamples = new Map<string, number>();
  let lagSeries = 0;
  for (const c of state!.components) {
    const r = await fetch(`${c.url}/metrics`);
    expect(r.status).toBe(200);
    const text = await r.text();
    const f = families(text);
    lagSeries += [...text.matchAll(/^upi_kafka_consumer_lag\{[^}]*topic="[^"]+"[^}]*\} \d+/gm)].length;
    for (const m of text.matchAll(/^upi_stage_latency_seconds_count\{[^}]*stage="(\w+)"[^}]*\} (\d+)/gm))
      stageSamples.set(m[1]!, (stageSamples.get(m[1]!) ?? 0) + Number(m[2]));
    perComponent[c.name] = f.size;
    for (const n of f) exported.add(n);
  }
  const missing: string[] = [];
  const queries = readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) =>
      dashboardQueries(JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8'))).map((q) => ({ ...q, file: f })),
    );
  expect(queries.length).toBeGreaterThan(30);
  for (const q of queries)
    for (const m of readPromql(q.expr).metrics)
      if (!exported.has(m)) missing.push(`${q.file} / ${q.panel}: ${m}`);
  expect([...new Set(missing)]).toEqual([]);
  // And every name libs/metrics defines is really exported somewhere (the list is not stale).
  const notExported = [...knownSeriesNames()].filter((n) => !exported.has(n));
  expect(notExported).toEqual([]);
  // The observer hooks really fed every stage during the load (switch and PSP processes).
  // The Kafka bus reported lag from the batches it consumed (the hook fired in the live processes).
  expect(lagSeries).toBeGreaterThan(0);
  expect(STAGES.filter((s) => !((stageSamples.get(s) ?? 0) > 0))).toEqual([]);
  expect(HISTOGRAMS).toContain(METRIC.paymentLatency);
  expect(PROCESS_METRICS.length).toBeGreaterThan(0);

  // (2) Prometheus against this stack: every target up, every panel query parses.
  prom('start');
  promStarted = true;
  prom('wait');
  const api = `http://127.0.0.1:${PROM_PORT}/api/v1`;
  type Vector = {
    status: string;
    error?: string;
    data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  const query = async (q: string): Promise<Vector> =>
    (await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as Vector;
  let up: Vector | null = null;
  for (let i = 0; i < 40; i++) {
    up = await query('up');
    if (up.data.result.length === state!.components.length && up.data.result.every((r) => r.value[1] === '1'))
      break;
    await sleep(500);
  }
  expect(up!.data.result.map((r) => r.metric.component).sort()).toEqual(
    state!.components.map((c) => c.name).sort(),
  );
  expect(up!.data.result.every((r) => r.value[1] === '1')).toBe(true);
  const refused: string[] = [];
  for (const q of queries) {
    const r = await query(substituteGrafanaVariables(q.expr));
    if (r.status !== 'success') refused.push(`${q.file} / ${q.panel}: ${r.error ?? r.status}`);
  }
  expect(refused).toEqual([]);
  const answered = await query(`sum(${METRIC.paymentLatency}_count)`);
  expect(Number(answered.data.result[0]?.value[1] ?? 0)).toBeGreaterThan(0);
  process.stdout.write(`metric families per process: ${JSON.stringify(perComponent)}\n`);
});
