import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../../libs/scenarios/src';
import { runLive } from '../../../libs/runtime/src/run-live';
import { alive } from '../src/stack/processes';
import type { FaultEvent } from '../../../libs/runtime/src/fault-injector';
import { liveTargets, repoRoot, stackDown, stackStatus, stackUp } from '../src/stack/stack';
import { expectInvariants, expectRunClockOnEvery } from './live-harness';
import { readState, type StackState } from '../src/stack/stack-state';
import { connectOrExplain } from '../../../libs/ledger/test/redis-connection';
import { deleteRunKeys } from '../../../libs/runtime/src/live/redis';
import { countRunKeys } from '../../../libs/runtime/test/run-keys';

// The live stack end to end: real Kafka and Redis, each service its own process (from dist/).
jest.setTimeout(240_000);

const root = repoRoot();
process.env.UPI_STACK_DIR = mkdtempSync(join(tmpdir(), 'upi-stack-'));
const quiet = () => undefined;
let state: StackState | null = null;

beforeAll(() => {
  // The processes run the compiled apps.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
});

afterAll(async () => {
  await stackDown(quiet); // even when a test failed, or its stack failed to start
});

/** How many keys of the stack's run are in its Redis. */
async function runKeyCount(s: StackState): Promise<number> {
  const redis = await connectOrExplain(s.infra.redis.url);
  try {
    return await countRunKeys(redis, s.runId);
  } finally {
    redis.disconnect();
  }
}

test('stack up, a live smoke run keeps every invariant, stack down leaves nothing behind', async () => {
  state = await stackUp({ scenario: join(root, 'scenarios/smoke.yaml'), basePort: 28080, log: quiet });
  const status = await stackStatus();
  for (const c of status.components) expect({ name: c.name, up: c.up }).toEqual({ name: c.name, up: true });

  const smoke = loadScenario(join(root, 'scenarios/smoke.yaml'), { durationSec: 6 });
  // The stack's switches read 14:00 from the scenario they started with; the run says 08:00.
  const scenario = { ...smoke, traffic: { ...smoke.traffic, startTimeOfDay: '08:00' } };
  const result = await runLive(scenario, { targets: liveTargets(state) });
  expect(result.mode).toBe('live');
  expect(result.offered).toBeGreaterThan(100);
  expect(result.completed).toBe(result.offered);
  expect(result.outcomes.byStatus.SUCCESS).toBeGreaterThan(result.completed * 0.5);
  expectInvariants(result);
  expect(result.money.openingPaise).toBeGreaterThan(0);
  expect(result.settlement.sum).toBe(0);
  expect(Object.keys(result.settlement.netPositions).length).toBeGreaterThan(1);
  // Every switch replica took the run's start before the first arrival.
  const runClock = result.extensions!.runClock as {
    startTimeOfDay: string;
    switches: { url: string; ok: boolean; timeOfDayNow?: string }[];
  };
  expect(runClock.startTimeOfDay).toBe('08:00');
  expect(runClock.switches.map((x) => x.url).sort()).toEqual([...liveTargets(state).switchUrls!].sort());
  for (const x of runClock.switches)
    expect(x).toMatchObject({ ok: true, timeOfDayNow: expect.stringMatching(/^08:00:0[0-2]$/) });

  const pids = state.components.map((c) => c.pid!);
  const started = state.infra;
  const ran = state;
  expect(await runKeyCount(ran)).toBeGreaterThan(result.offered);
  await stackDown(quiet);
  state = null;
  for (const pid of pids) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
  const after = await stackStatus();
  expect(after.state).toBeNull();
  if (started.kafka.startedByStack) expect(after.components.find((c) => c.name === 'kafka')!.up).toBe(false);
  if (started.redis.startedByStack) expect(after.components.find((c) => c.name === 'redis')!.up).toBe(false);
  // A Redis that outlives the stack (CI's) keeps none of the run's payments.
  else expect(await runKeyCount(ran)).toBe(0);
});

test("a run's faults end with it: the crashed leader starts again and reads the run's clock; a fault outlasting the run is cleared", async () => {
  await stackDown(quiet); // the first test's stack, had it failed before taking it down
  state = await stackUp({ scenario: join(root, 'scenarios/smoke.yaml'), basePort: 28180, log: quiet });
  const smoke = loadScenario(join(root, 'scenarios/smoke.yaml'), { durationSec: 8 });
  const scenario = {
    ...smoke,
    traffic: { ...smoke.traffic, startTimeOfDay: '08:00' },
    faults: [
      // As the embedded runner does: the leader dies at 2 s and its replica is started again at 4 s.
      { atSec: 2, durationSec: 2, kind: 'switch-leader-kill' as const },
      // Still in force when the run ends.
      { atSec: 5, durationSec: 600, kind: 'bank-slow' as const, bank: 'HDFC', extraLatencyMs: 20 },
    ],
  };
  const pidsBefore = new Map(state.components.map((c) => [c.name, c.pid]));
  const result = await runLive(scenario, { targets: liveTargets(state) });
  // Logged as each call completes (a restart takes seconds): compare them sorted.
  const events = (result.extensions!.faultEvents as FaultEvent[])
    .map((e) => `${e.action} ${e.kind} ${e.ok ? 'ok' : `failed: ${e.detail}`}`)
    .sort();
  expect(events).toEqual([
    'clear bank-slow ok',
    'clear switch-leader-kill ok',
    'set bank-slow ok',
    'set switch-leader-kill ok',
  ]);
  // The bank left as it was found.
  const bank = state.components.find((c) => c.app === 'bank' && c.banks?.includes('HDFC'))!;
  expect(((await (await fetch(`${bank.url}/banks/HDFC`)).json()) as { fault: unknown }).fault).toBeNull();
  // Every replica is up again; one of them is a new process, and it took the run's clock from the log.
  const status = await stackStatus();
  for (const c of status.components) expect({ name: c.name, up: c.up }).toEqual({ name: c.name, up: true });
  const now = readState(root)!.components.filter((c) => c.app === 'switch');
  expect(now.filter((c) => c.pid !== pidsBefore.get(c.name))).toHaveLength(1);
  expect((result.extensions!.runClock as { startTimeOfDay: string }).startTimeOfDay).toBe('08:00');
  await expectRunClockOnEvery(now, state.adminToken, result);
  expect(result.completed).toBe(result.offered);
  expectInvariants(result);

  // `stack down --keep-data` leaves the run's payments to look at.
  const ran = state;
  const keys = await runKeyCount(ran);
  expect(keys).toBeGreaterThan(result.offered);
  await stackDown(quiet, { keepData: true });
  state = null;
  if (!ran.infra.redis.startedByStack) {
    expect(await runKeyCount(ran)).toBe(keys);
    expect(await deleteRunKeys(ran.infra.redis.url, ran.runId)).toBe(keys); // the test's own cleanup
  }
});
