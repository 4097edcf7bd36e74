/**
 * Worker-thread entry of the k6 harness (test code): runs a bundled k6 script (converted to CommonJS)
 * in a `vm` context — setup, `iterations` iterations, teardown, handleSummary — and reports every
 * HTTP call, check and summary file to the parent. HTTP is synchronous: the worker posts the request
 * and blocks on a SharedArrayBuffer until the parent thread has written the answer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { createK6Runtime, type HttpAnswer, type HttpCall } from './k6-runtime';

export interface HarnessInput {
  readonly code: string;
  readonly env: Record<string, string>;
  readonly baseDir: string;
  readonly iterations: number;
  readonly sleepScale: number;
  /** [0]: 0 waiting / 1 answered; [1]: answer length; answer JSON bytes from offset 8. */
  readonly sab: SharedArrayBuffer;
}

export interface HarnessOutput {
  readonly options: unknown;
  readonly calls: HttpCall[];
  readonly checks: { name: string; ok: boolean }[];
  readonly files: Record<string, string>;
  readonly summaryData: unknown;
}

const input = workerData as HarnessInput;
const flag = new Int32Array(input.sab, 0, 2);
const bytes = new Uint8Array(input.sab, 8);

function syncHttp(call: HttpCall): HttpAnswer {
  Atomics.store(flag, 0, 0);
  parentPort!.postMessage({ kind: 'http', call });
  Atomics.wait(flag, 0, 0);
  const text = new TextDecoder().decode(bytes.slice(0, Atomics.load(flag, 1)));
  return JSON.parse(text) as HttpAnswer;
}

const rt = createK6Runtime({
  env: input.env,
  baseDir: input.baseDir,
  syncHttp,
  sleepScale: input.sleepScale,
});
const module = { exports: {} as Record<string, unknown> };
const require = (name: string) => {
  const m = rt.modules[name];
  if (!m) throw new Error(`harness: the script imports ${name}, which the harness does not provide`);
  return m;
};
vm.runInContext(input.code, vm.createContext({ ...rt.globals, module, exports: module.exports, require }), {
  filename: 'k6-script.js',
});
const script = module.exports as {
  options: { thresholds?: Record<string, string[]>; scenarios?: Record<string, { exec?: string }> };
  setup?: () => unknown;
  default: (data: unknown) => void;
  teardown?: (data: unknown) => void;
  handleSummary?: (data: unknown) => Record<string, string>;
};

const t0 = Date.now();
const data = script.setup?.();
// Scenarios besides the default one (the faults scenario: one VU, one iteration), before the
// arrivals here; k6 runs them side by side.
for (const s of Object.values(script.options.scenarios ?? {})) {
  if (!s.exec) continue;
  const fn = (script as unknown as Record<string, (d: unknown) => void>)[s.exec];
  if (typeof fn !== 'function') throw new Error(`harness: scenario exec ${s.exec} is not exported`);
  rt.countIteration();
  fn(data);
}
for (let i = 0; i < input.iterations; i++) {
  rt.setIteration(i);
  script.default(data);
}
script.teardown?.(data);
const summaryData = rt.summary(script.options.thresholds ?? {}, Date.now() - t0);
const files = script.handleSummary?.(summaryData) ?? {};
for (const [path, content] of Object.entries(files)) {
  if (path === 'stdout' || path === 'stderr') continue;
  const abs = resolve(input.baseDir, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content);
}
const out: HarnessOutput = {
  options: script.options,
  calls: rt.calls,
  checks: rt.checks,
  files,
  summaryData,
};
parentPort!.postMessage({ kind: 'done', out });
