/**
 * Test harness, not a product feature: just the k6 modules the festival script imports (`k6`,
 * `k6/http`, `k6/metrics`, `k6/execution`) and the `open`/`__ENV` globals, so the bundled script runs
 * in a Node `vm` context without k6. HTTP is synchronous as in k6: `syncHttp` blocks this worker
 * thread while the parent thread performs the request.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface HttpCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  readonly tags: Record<string, string>;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly durationMs: number;
}

type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

class MetricStore {
  readonly samples = new Map<string, { type: MetricType; values: number[] }>();

  add(name: string, type: MetricType, value: number): void {
    let m = this.samples.get(name);
    if (!m) this.samples.set(name, (m = { type, values: [] }));
    m.values.push(value);
  }

  declare(name: string, type: MetricType): void {
    if (!this.samples.has(name)) this.samples.set(name, { type, values: [] });
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

/** A metric's summary values as k6 reports them in handleSummary's `data.metrics[name].values`. */
function values(type: MetricType, xs: number[], durationSec: number): Record<string, number> {
  const sorted = [...xs].sort((a, b) => a - b);
  const sum = xs.reduce((a, x) => a + x, 0);
  switch (type) {
    case 'counter':
      return { count: sum, rate: durationSec > 0 ? sum / durationSec : 0 };
    case 'gauge':
      return { value: xs[xs.length - 1] ?? 0, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
    case 'rate': {
      const passes = xs.filter((x) => x !== 0).length;
      return { rate: xs.length ? passes / xs.length : 0, passes, fails: xs.length - passes };
    }
    case 'trend':
      return {
        avg: xs.length ? sum / xs.length : 0,
        min: sorted[0] ?? 0,
        med: percentile(sorted, 0.5),
        max: sorted[sorted.length - 1] ?? 0,
        'p(50)': percentile(sorted, 0.5),
        'p(95)': percentile(sorted, 0.95),
        'p(99)': percentile(sorted, 0.99),
        count: xs.length,
      };
  }
}

/** Evaluates a k6 threshold expression (`p(99)<=2000`, `rate>=0.99`, `count==0`) on a metric's values. */
export function thresholdHolds(expr: string, v: Record<string, number>): boolean {
  const m = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expr);
  if (!m) throw new Error(`harness: cannot read threshold "${expr}"`);
  const actual = v[m[1]!];
  if (actual === undefined) throw new Error(`harness: threshold "${expr}" names no value of its metric`);
  const x = Number(m[3]);
  switch (m[2]) {
    case '<':
      return actual < x;
    case '<=':
      return actual <= x;
    case '>':
      return actual > x;
    case '>=':
      return actual >= x;
    default:
      return actual === x;
  }
}

export interface K6Runtime {
  /** What `require` returns for each k6 module. */
  readonly modules: Record<string, unknown>;
  readonly globals: Record<string, unknown>;
  readonly calls: HttpCall[];
  readonly checks: { name: string; ok: boolean }[];
  /** handleSummary's `data`, with thresholds evaluated. */
  summary(thresholds: Record<string, string[]>, durationMs: number): unknown;
  setIteration(n: number): void;
  /** One iteration of another scenario (k6 counts every scenario's in `iterations`). */
  countIteration(): void;
}

export function createK6Runtime(o: {
  env: Record<string, string>;
  baseDir: string;
  syncHttp: (call: HttpCall) => HttpAnswer;
  /** Real seconds slept per scripted second (status polls wait 45 s in the script). */
  sleepScale: number;
}): K6Runtime {
  const store = new MetricStore();
  const calls: HttpCall[] = [];
  const checks: { name: string; ok: boolean }[] = [];
  let iteration = 0;
  for (const [n, t] of [
    ['iterations', 'counter'],
    ['dropped_iterations', 'counter'],
    ['checks', 'rate'],
    ['http_reqs', 'counter'],
  ] as const)
    store.declare(n, t);

  const response = (call: HttpCall, a: HttpAnswer) => ({
    status: a.status,
    body: a.body,
    headers: a.headers,
    timings: { duration: a.durationMs },
    request: { method: call.method, url: call.url, headers: call.headers, body: call.body ?? '' },
    json: () => JSON.parse(a.body) as unknown,
  });
  const request = (
    method: string,
    url: string,
    body: unknown,
    params?: { headers?: Record<string, string>; tags?: Record<string, string> },
  ) => {
    const call: HttpCall = {
      method,
      url,
      headers: { ...(params?.headers ?? {}) },
      body: body === undefined || body === null ? null : String(body),
      tags: { ...(params?.tags ?? {}) },
    };
    calls.push(call);
    store.add('http_reqs', 'counter', 1);
    return response(call, o.syncHttp(call));
  };
  const http = {
    get: (url: string, params?: object) => request('GET', url, null, params),
    post: (url: string, body: unknown, params?: object) => request('POST', url, body, params),
    put: (url: string, body: unknown, params?: object) => request('PUT', url, body, params),
    request: (method: string, url: string, body: unknown, params?: object) =>
      request(method, url, body, params),
  };
  const sleepArr = new Int32Array(new SharedArrayBuffer(4));
  const k6 = {
    check: (val: unknown, sets: Record<string, (v: unknown) => boolean>) => {
      let all = true;
      for (const [name, fn] of Object.entries(sets)) {
        let ok = false;
        try {
          ok = !!fn(val);
        } catch {
          ok = false;
        }
        checks.push({ name, ok });
        store.add('checks', 'rate', ok ? 1 : 0);
        all &&= ok;
      }
      return all;
    },
    sleep: (sec: number) => {
      Atomics.wait(sleepArr, 0, 0, Math.max(0, sec * 1000 * o.sleepScale));
    },
  };
  const metric = (type: MetricType) =>
    class {
      constructor(readonly name: string) {
        store.declare(name, type);
      }
      add(value: number | boolean) {
        store.add(this.name, type, typeof value === 'boolean' ? (value ? 1 : 0) : value);
      }
    };
  const mod = (named: Record<string, unknown>, dflt: unknown = named) => ({
    __esModule: true,
    default: dflt,
    ...named,
  });
  const execution = {
    get scenario() {
      return {
        name: 'festival',
        iterationInTest: iteration,
        iterationInInstance: iteration,
        executor: 'ramping-arrival-rate',
      };
    },
    vu: { idInTest: 1, idInInstance: 1, iterationInScenario: 0 },
  };
  return {
    calls,
    checks,
    modules: {
      k6: mod(k6),
      'k6/http': mod(http),
      'k6/metrics': mod({
        Counter: metric('counter'),
        Gauge: metric('gauge'),
        Rate: metric('rate'),
        Trend: metric('trend'),
      }),
      'k6/execution': mod({}, execution),
    },
    globals: {
      __ENV: o.env,
      open: (path: string) => readFileSync(resolve(o.baseDir, path), 'utf8'),
      console,
    },
    setIteration: (n) => {
      iteration = n;
      store.add('iterations', 'counter', 1);
    },
    countIteration: () => store.add('iterations', 'counter', 1),
    summary: (thresholds, durationMs) => {
      const metrics: Record<string, unknown> = {};
      for (const [name, m] of store.samples) {
        const v = values(m.type, m.values, durationMs / 1000);
        const t = thresholds[name];
        metrics[name] = {
          type: m.type,
          contains: 'default',
          values: v,
          ...(t ? { thresholds: Object.fromEntries(t.map((e) => [e, { ok: thresholdHolds(e, v) }])) } : {}),
        };
      }
      for (const name of Object.keys(thresholds))
        if (!store.samples.has(name)) throw new Error(`harness: threshold on unknown metric ${name}`);
      return {
        state: { testRunDurationMs: durationMs, isStdOutTTY: false, isStdErrTTY: false },
        metrics,
        root_group: {},
        options: {},
      };
    },
  };
}
