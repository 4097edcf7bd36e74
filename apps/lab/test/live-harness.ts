import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, type RunResult } from '../../../libs/scenarios/src';
import { runLive, type LiveRunOptions } from '../../../libs/runtime/src/run-live';
import { infra, sleep } from '../src/stack/processes';
import { liveTargets, repoRoot, stackDown, stackUp } from '../src/stack/stack';
import type { ComponentState, StackState } from '../src/stack/stack-state';

// Shared by the live integration tests: build once, a private stack folder, the invariant checks.

export const root = repoRoot();
export const quiet = (): undefined => undefined;
export const KAFKA_SH = 'infra/kafka/kafka.sh';
export const REDIS_SH = 'infra/redis/redis.sh';

/** The processes run the compiled apps. */
export function buildApps(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

/** State and logs of this test file's stacks in a temporary folder, beside any developer stack. */
export function privateStackDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'upi-stack-'));
  process.env.UPI_STACK_DIR = dir;
  return dir;
}

/**
 * Points the stack and the infra scripts at this file's own Kafka and Redis ports (KAFKA_PORT,
 * KAFKA_CONTROLLER_PORT, REDIS_PORT), so restarting them cannot disturb another stack on the host.
 */
export function useInfraPorts(kafka: number, redis: number): Record<string, string> {
  const env = {
    KAFKA_PORT: String(kafka),
    KAFKA_CONTROLLER_PORT: String(kafka + 1),
    REDIS_PORT: String(redis),
  };
  Object.assign(process.env, env);
  return env;
}

/** Runs an infra script (`kafka.sh` / `redis.sh`) with this process's ports; throws on failure. */
export function infraOk(script: string, arg: string): string {
  const r = infra(root, script, arg);
  if (r.code !== 0) throw new Error(`${script} ${arg} failed (exit ${r.code}):\n${r.out}`);
  return r.out;
}

/** Starts Kafka and Redis unless running; returns which ones this call started (to stop them after). */
export function ensureInfra(): { kafka: boolean; redis: boolean } {
  const started = { kafka: false, redis: false };
  for (const [script, name] of [
    [REDIS_SH, 'redis'],
    [KAFKA_SH, 'kafka'],
  ] as const) {
    if (infra(root, script, 'status').code === 0) continue;
    infraOk(script, 'start');
    infraOk(script, 'wait');
    started[name] = true;
  }
  return started;
}

/** The pid an infra script's `status` reports (`… pid N …`), or null when it is not running. */
export function infraPid(script: string): number | null {
  const r = infra(root, script, 'status');
  const m = /pid (\d+)/.exec(r.out);
  return r.code === 0 && m ? Number(m[1]) : null;
}

/** The smoke scenario at its normal scale, for `durationSec` of load. */
export function smoke(durationSec: number) {
  return loadScenario(join(root, 'scenarios/smoke.yaml'), { durationSec });
}

/**
 * A fresh stack (fresh run id: its own ledger, journal and topics) on the smoke scenario, with its
 * state and logs in a fresh folder (so a test reads only its own processes' logs).
 *
 * Keep `basePort` (and the ports after it) below 32768: Linux gives 32768–60999 to outgoing
 * connections, and a service listening there can find its port taken by one (seen in CI: EADDRINUSE).
 */
export function upSmokeStack(basePort: number, switchReplicas?: number): Promise<StackState> {
  privateStackDir();
  return stackUp({
    scenario: join(root, 'scenarios/smoke.yaml'),
    basePort,
    log: quiet,
    ...(switchReplicas !== undefined ? { switchReplicas } : {}),
  });
}

export { stackDown };

/** Drives `durationSec` of smoke load; `inject` runs `atSec` into the load, while it flows. */
export async function runWithFault<T>(
  state: StackState,
  durationSec: number,
  atSec: number,
  inject: () => Promise<T>,
  opts: Omit<LiveRunOptions, 'targets'> = {},
): Promise<{ result: RunResult; fault: T; injectedAtSec: number; injectDoneSec: number }> {
  const started = Date.now();
  const run = runLive(smoke(durationSec), { ...opts, targets: liveTargets(state) });
  // A run that fails early must not leave the injection hanging unobserved.
  let runError: unknown = null;
  run.catch((e: unknown) => (runError = e));
  await sleep(atSec * 1000);
  if (runError) throw runError;
  const injectedAtSec = (Date.now() - started) / 1000;
  const fault = await inject();
  const injectDoneSec = (Date.now() - started) / 1000;
  const result = await run;
  // Kept beside the stack's logs, for a look after a failure.
  writeFileSync(join(process.env.UPI_STACK_DIR ?? tmpdir(), 'result.json'), JSON.stringify(result, null, 2));
  return { result, fault, injectedAtSec, injectDoneSec };
}

/** Every invariant of the run holds (each named, with its detail, when one does not). */
export function expectInvariants(result: RunResult): void {
  expect(result.invariants.length).toBeGreaterThanOrEqual(7);
  // The broken ones by name and detail, so a failure (and CI's digest of it) says what broke.
  expect(result.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail}`)).toEqual([]);
  expect(result.money.conserved).toBe(true);
  expect(result.settlement.sum).toBe(0);
}

/** The lines of a log file that say `marker`, in order (e.g. each start of a restarted process). */
export function linesInLog(file: string, marker: RegExp): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => marker.test(l));
}

/** How many times a log file says `marker`. */
export function countInLog(file: string, marker: RegExp): number {
  return linesInLog(file, marker).length;
}

/** One line per run for the test output: what was offered, answered, and how. */
export function summarise(label: string, r: RunResult, extra = ''): string {
  const s = r.outcomes.byStatus;
  return (
    `${label}: offered ${r.offered}, completed ${r.completed}, SUCCESS ${s.SUCCESS}, DECLINED ${s.DECLINED}, ` +
    `DEEMED ${s.DEEMED}, PENDING ${s.PENDING}, rejected ${String(r.extensions?.rejected)}, ` +
    `drained at ${String(r.extensions?.drainedAtSec)} s${extra ? `, ${extra}` : ''}`
  );
}

/** Every switch replica reads the run's clock (`GET /admin/run-clock`), a restarted one from the Raft log. */
export async function expectRunClockOnEvery(
  switches: readonly ComponentState[],
  adminToken: string | undefined,
  result: RunResult,
): Promise<void> {
  const runClock = result.extensions!.runClock as { startedAtMs: number; startTimeOfDay: string };
  for (const c of switches) {
    const r = await fetch(`${c.url}/admin/run-clock`, {
      headers: { authorization: `Bearer ${adminToken ?? ''}` },
    });
    const v = (await r.json()) as { startedAt: number; startTimeOfDay: string };
    expect({ replica: c.name, startedAt: v.startedAt, startTimeOfDay: v.startTimeOfDay }).toEqual({
      replica: c.name,
      startedAt: runClock.startedAtMs,
      startTimeOfDay: runClock.startTimeOfDay,
    });
  }
}
