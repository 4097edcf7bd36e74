import { readState } from '../src/stack/stack-state';
import { alive, sleep } from '../src/stack/processes';
import { stackKill, stackRestart, stackStart, stackStatus } from '../src/stack/stack';
import type { StackState } from '../src/stack/stack-state';
import {
  buildApps,
  countInLog,
  linesInLog,
  ensureInfra,
  expectInvariants,
  infraOk,
  infraPid,
  KAFKA_SH,
  quiet,
  REDIS_SH,
  root,
  runWithFault,
  stackDown,
  summarise,
  upSmokeStack,
  useInfraPorts,
} from './live-harness';

/*
 * The live-mode faults (issue 3), each injected mid-run while the smoke scenario's load flows, on a
 * fresh stack (fresh run id: its own ledger, clearing journal and Kafka topics, so each run's
 * invariants cover that run only). Kafka and Redis are this file's own instances on their own ports:
 * the broker and Redis restarts must not disturb any other stack on the host.
 */
jest.setTimeout(180_000);

const LOAD_SEC = 14;
const INJECT_AT_SEC = 5;
/** The broker test's load: long enough to see the system recover after the broker's ~15 s outage. */
const BROKER_LOAD_SEC = 40;
const BASE_PORT = 21080;
useInfraPorts(9392, 6392);

let started = { kafka: false, redis: false };
let state: StackState | null = null;
const log = (line: string) => process.stdout.write(`${line}\n`);

beforeAll(() => {
  buildApps();
  started = ensureInfra();
});

afterEach(async () => {
  await stackDown(quiet); // even when a test failed, or its stack failed to start
  state = null;
});

afterAll(() => {
  if (started.kafka) infraOk(KAFKA_SH, 'stop');
  if (started.redis) infraOk(REDIS_SH, 'stop');
});

const component = (name: string) => readState(root)!.components.find((c) => c.name === name)!;

test('kill -9 of the bank process mid-run, then restart: all terminal, money conserved, no double debit', async () => {
  state = await upSmokeStack(BASE_PORT);
  const before = component('bank-1');
  const startsBefore = countInLog(before.log, /accounts of .* (opened|found in Redis)/);

  const { result, fault, injectedAtSec, injectDoneSec } = await runWithFault(
    state,
    LOAD_SEC,
    INJECT_AT_SEC,
    async () => {
      const killed = stackKill('bank');
      while (alive(before.pid)) await sleep(20);
      // Down for a while under load: the switch's debits and credits to it time out.
      const upWhileKilled = (await stackStatus()).components.find((c) => c.name === 'bank-1')!.up;
      await sleep(1500);
      const restarted = await stackStart('bank');
      return { killed, upWhileKilled, restarted };
    },
    // Deemed payments resolve only once the restarted bank has rejoined its groups (after the
    // killed member's 10 s Kafka session), and then on the switch's retry timers.
    { drainMs: 90_000 },
  );
  const after = component('bank-1');
  log(
    summarise(
      'bank kill -9',
      result,
      `${fault.killed.join(', ')} at ${injectedAtSec.toFixed(1)} s, healthy again at ${injectDoneSec.toFixed(1)} s`,
    ),
  );

  // The fault happened: the old process was killed, seen down, and a new one found its accounts.
  expect(fault.killed).toEqual([`bank-1 (pid ${before.pid}) SIGKILL`]);
  expect(fault.upWhileKilled).toBe(false);
  expect(after.pid).not.toBe(before.pid);
  expect(alive(before.pid)).toBe(false);
  // The restarted process found its accounts in Redis. (The first start may have found them too:
  // Redis outlives stacks, and earlier test files open the same banks.)
  const starts = linesInLog(after.log, /accounts of .* (opened|found in Redis)/);
  expect(starts.length).toBe(startsBefore + 1);
  expect(starts.at(-1)).toMatch(/found in Redis/);
  // While every bank was gone, payments could not succeed: the run saw it.
  expect(result.outcomes.byStatus.SUCCESS).toBeLessThan(result.completed);

  expect(result.offered).toBeGreaterThan(500);
  expect(result.completed).toBe(result.offered);
  expectInvariants(result);
});

test('hard restart of clearing mid-run: settlement nets to zero, nothing counted twice', async () => {
  state = await upSmokeStack(BASE_PORT);
  const before = component('clearing');
  // After the first settlement cycle closes (5 s), so the journal holds entries to replay.
  const { result, fault, injectedAtSec } = await runWithFault(
    state,
    LOAD_SEC,
    7,
    async () => {
      const restarted = await stackRestart('clearing', true);
      const health = (await (await fetch(`${component('clearing').url}/healthz`)).json()) as {
        replayed?: number;
      };
      return { restarted, replayed: health.replayed ?? 0 };
    },
    // The new process joins its group only once the killed member's session (10 s) has expired.
    { readBackMs: 40_000 },
  );
  const after = component('clearing');
  log(
    summarise(
      'clearing restart --hard',
      result,
      `injected at ${injectedAtSec.toFixed(1)} s, replayed ${fault.replayed} journaled entries`,
    ),
  );

  // The fault happened: a new process that rebuilt its totals from the journal.
  expect(after.pid).not.toBe(before.pid);
  expect(alive(before.pid)).toBe(false);
  expect(fault.replayed).toBeGreaterThan(0);

  expect(result.offered).toBeGreaterThan(500);
  expect(result.completed).toBe(result.offered);
  // 'settlement matches ledger per bank' is the no-double-count check: clearing's totals per bank
  // equal each bank's ledger change; 'settlement nets to zero' too.
  expectInvariants(result);
  expect(Object.keys(result.settlement.netPositions).length).toBeGreaterThan(1);
});

test('Kafka broker kill -9 and restart mid-run: the system recovers by itself, invariants hold', async () => {
  // The broker is down ~15 s (2 s, then `kafka.sh start` + `wait`), so the load runs on well past
  // its return: the PSP's breaker toward the switch opens during the outage (its 5 s leg timeouts)
  // and must be seen closing again and payments succeeding once the broker is back.
  state = await upSmokeStack(BASE_PORT);
  const pidsBefore = state.components.map((c) => c.pid);
  const brokerBefore = infraPid(KAFKA_SH);
  expect(brokerBefore).not.toBeNull();

  const { result, fault, injectedAtSec, injectDoneSec } = await runWithFault(
    state,
    BROKER_LOAD_SEC,
    INJECT_AT_SEC,
    async () => {
      process.kill(brokerBefore!, 'SIGKILL');
      while (alive(brokerBefore)) await sleep(20);
      await sleep(2000); // an outage, not a blip
      infraOk(KAFKA_SH, 'start');
      infraOk(KAFKA_SH, 'wait');
      return { brokerAfter: infraPid(KAFKA_SH) };
    },
    { drainMs: 60_000, readBackMs: 30_000 },
  );
  log(
    summarise(
      'kafka kill -9',
      result,
      `broker pid ${brokerBefore} -> ${fault.brokerAfter}, killed at ${injectedAtSec.toFixed(1)} s, back at ${injectDoneSec.toFixed(1)} s`,
    ),
  );

  expect(fault.brokerAfter).not.toBeNull();
  expect(fault.brokerAfter).not.toBe(brokerBefore);
  // Every service saw the broker go away.
  for (const c of state.components)
    expect({ name: c.name, refused: countInLog(c.log, /ECONNREFUSED 127\.0\.0\.1:9392/) > 0 }).toEqual({
      name: c.name,
      refused: true,
    });
  // Recovered by itself: no service was restarted, every one is still up and healthy.
  const status = await stackStatus();
  for (const c of status.components) expect({ name: c.name, up: c.up }).toEqual({ name: c.name, up: true });
  expect(readState(root)!.components.map((c) => c.pid)).toEqual(pidsBefore);
  // The outage was seen (no payment completed in the second after the kill) and payments succeed
  // again once the broker is back.
  const at = (sec: number) => result.timeline.find((p) => p.t === sec)!;
  expect(at(Math.ceil(injectedAtSec)).completed).toBe(0);
  const after = result.timeline.filter((p) => p.t >= Math.ceil(injectDoneSec));
  expect(after.reduce((a, p) => a + p.success, 0)).toBeGreaterThan(100);
  // Payments whose ReqPay the PSP could not hand to the broker during the outage stay PENDING at the
  // PSP (its status checks start 90 s after acceptance); they never reached the switch, so no money
  // moved for them: the ledger invariants below (every balance = opening ± registered payments) would
  // see it otherwise. While its breaker toward the switch is open the PSP refuses with 503 and sends
  // nothing; every other payment was answered.
  const ext = result.extensions as { rejected: number; psps: { throttled: number }[] };
  const refused = ext.psps.reduce((a, p) => a + p.throttled, 0);
  expect(ext.rejected).toBe(refused);
  expect(result.completed + result.outcomes.byStatus.PENDING + refused).toBe(result.offered);

  expect(result.offered).toBeGreaterThan(500);
  expectInvariants(result);
});

test('Redis kill -9 and restart mid-run: no committed ledger entry lost', async () => {
  state = await upSmokeStack(BASE_PORT);
  const redisBefore = infraPid(REDIS_SH);
  expect(redisBefore).not.toBeNull();

  const { result, fault, injectedAtSec } = await runWithFault(state, LOAD_SEC, INJECT_AT_SEC, async () => {
    process.kill(redisBefore!, 'SIGKILL');
    while (alive(redisBefore)) await sleep(20);
    await sleep(1000);
    infraOk(REDIS_SH, 'start');
    return { redisAfter: infraPid(REDIS_SH) };
  });
  log(
    summarise(
      'redis kill -9',
      result,
      `injected at ${injectedAtSec.toFixed(1)} s, redis pid ${redisBefore} -> ${fault.redisAfter}`,
    ),
  );

  expect(fault.redisAfter).not.toBeNull();
  expect(fault.redisAfter).not.toBe(redisBefore);
  // The bank process's ledger lost its connection (and reconnected: the invariants read it back).
  expect(countInLog(component('bank-1').log, /ECONNREFUSED 127\.0\.0\.1:6392/)).toBeGreaterThan(0);
  expect(result.offered).toBeGreaterThan(500);
  // The AOF (appendfsync always) kept every acknowledged write: money conserved and every balance
  // = opening ± its payments, read back from the restarted Redis.
  expectInvariants(result);
  expect(result.outcomes.byStatus.SUCCESS).toBeGreaterThan(result.offered * 0.3);
});
