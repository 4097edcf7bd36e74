import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { Random } from '../../domain/src';
import { InMemoryLedger } from '../src/in-memory-ledger';
import type { AccountOpening, LedgerOp, LedgerStore } from '../src/ledger-store';
import { RedisLedger } from '../src/redis-ledger';
import { connectOrExplain } from './redis-connection';

/**
 * Crashes the server under a ledger and reads it back. Runs its own instance (port
 * REDIS_DURABILITY_PORT, default 6391, state in a temp dir) through infra/redis/redis.sh, so killing it
 * disturbs no other test. With appendfsync always, every acknowledged apply must survive kill -9.
 * (kill -9 kills the process, not the machine: it proves acknowledged writes reach the AOF before the
 * reply and that a crash loses no committed batch and splits none; the fsync itself is what protects
 * them from a power cut, and the test checks that it is configured.)
 */
const execFileP = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../../infra/redis/redis.sh');
const PORT = process.env.REDIS_DURABILITY_PORT ?? '6391';
const URL = `redis://127.0.0.1:${PORT}`;
let state: string;

const redisSh = async (cmd: string) =>
  (await execFileP('bash', [SCRIPT, cmd], { env: { ...process.env, REDIS_PORT: PORT, UPI_STATE: state } }))
    .stdout;
const pidFile = () => join(state, 'redis', PORT, 'redis.pid');

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'upi-redis-durability-'));
  try {
    await redisSh('start');
  } catch (e) {
    throw new Error(
      `could not start a Redis for the durability test via ${SCRIPT} (is redis-server installed? ` +
        `run infra/redis/redis.sh install): ${(e as Error).message}`,
    );
  }
});
afterAll(async () => {
  await redisSh('stop');
  rmSync(state, { recursive: true, force: true });
});

const OPENINGS: AccountOpening[] = Array.from({ length: 8 }, (_, i) => ({
  account: `ACC${i}`,
  bank: i % 2 ? 'HDFC' : 'SBI',
  vpa: `acc${i}@x`,
  balancePaise: 50_000,
}));

/** Random batches of every kind; each starts with a fresh CREDIT so every batch changes the ledger. */
function batches(seed: number, count: number, size: number): LedgerOp[][] {
  const rnd = new Random(seed);
  const kinds = ['HOLD', 'CAPTURE', 'RELEASE', 'DEBIT', 'REVERSE_DEBIT', 'CHECK', 'CREDIT'] as const;
  return Array.from({ length: count }, (_, b) => [
    {
      kind: 'CREDIT' as const,
      txnId: `s${seed}-in${b}`,
      account: OPENINGS[b % 8]!.account,
      amountPaise: 1 + b,
    },
    ...Array.from({ length: size - 1 }, () => ({
      kind: rnd.pick(kinds),
      txnId: `s${seed}-t${rnd.int(count * 2)}`,
      account: OPENINGS[rnd.int(8)]!.account,
      amountPaise: 1 + rnd.int(20_000),
    })),
  ]);
}

/** Everything a reader can see, as one comparable value. */
async function snapshot(l: LedgerStore, txnIds: readonly string[]) {
  const records: Record<string, string> = {};
  for (const t of txnIds) records[t] = `${await l.record(t, 'DEBIT')}/${await l.record(t, 'CREDIT')}`;
  return { accounts: await l.accounts({}), summary: await l.summary(), records };
}
const txnIdsOf = (bs: LedgerOp[][]) => [...new Set(bs.flat().map((o) => o.txnId))];

async function killHard(): Promise<void> {
  const pid = Number(readFileSync(pidFile(), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 250; i++) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`redis pid ${pid} survived SIGKILL`);
}

/** Running, not a zombie: the daemonized server's parent is init, which may reap it late. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

async function reader(prefix: string): Promise<RedisLedger> {
  return new RedisLedger({ redis: await connectOrExplain(URL), prefix });
}

test('the instance runs with appendonly and appendfsync always', async () => {
  const redis = await connectOrExplain(URL);
  try {
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
  } finally {
    await redis.quit();
  }
});

test('every acknowledged batch survives kill -9 and a restart', async () => {
  const prefix = 'durable-acked';
  const work = batches(1, 200, 20);
  const mirror = new InMemoryLedger();
  await mirror.open(OPENINGS);
  const writer = await reader(prefix);
  await writer.open(OPENINGS);
  // All batches in flight at once (auto-pipelined); all are acknowledged before the kill.
  const got = await Promise.all(work.map((b) => writer.apply(b)));
  const want: unknown[] = [];
  for (const b of work) want.push(await mirror.apply(b));
  expect(got).toEqual(want);
  const expected = await snapshot(mirror, txnIdsOf(work));
  expect(await snapshot(writer, txnIdsOf(work))).toEqual(expected);

  await killHard();
  writer.connection.disconnect();
  await redisSh('start');

  const after = await reader(prefix);
  try {
    expect(await snapshot(after, txnIdsOf(work))).toEqual(expected);
  } finally {
    await after.connection.quit();
  }
});

test('a kill during writes loses no acknowledged batch and splits none', async () => {
  const prefix = 'durable-inflight';
  const work = batches(2, 300, 10);
  const writer = new RedisLedger({
    url: URL,
    prefix,
    // The crash must not be papered over by the client resending what it had sent.
    redisOptions: {
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    },
  });
  writer.connection.on('error', () => undefined);
  await writer.open(OPENINGS);
  // 16 writers keep ~16 batches on the wire; the crash comes after 100 acknowledgements, mid-stream.
  let acked = 0;
  let next = 0;
  const writerLoop = async () => {
    while (next < work.length) {
      const b = work[next++]!;
      try {
        await writer.apply(b);
      } catch {
        return;
      }
      acked++;
    }
  };
  const pending = Array.from({ length: 16 }, writerLoop);
  while (acked < 100) await new Promise((r) => setImmediate(r));
  await killHard();
  const ackedAtKill = acked;
  await Promise.all(pending);
  writer.connection.disconnect();
  await redisSh('start');

  // The recovered ledger is exactly the state after some prefix of the batches, at least the acknowledged ones.
  const after = await reader(prefix);
  try {
    const recovered = await snapshot(after, txnIdsOf(work));
    const mirror = new InMemoryLedger();
    await mirror.open(OPENINGS);
    let matched = -1;
    for (let k = 0; k <= work.length; k++) {
      if (k > 0) await mirror.apply(work[k - 1]!);
      if (k < ackedAtKill) continue;
      // Key order may differ (Redis set order is per server start): compare structurally.
      if (isDeepStrictEqual(await snapshot(mirror, txnIdsOf(work)), recovered)) {
        matched = k;
        break;
      }
    }
    expect({ ackedAtKill, matchedPrefix: matched >= ackedAtKill }).toEqual({
      ackedAtKill,
      matchedPrefix: true,
    });
  } finally {
    await after.connection.quit();
  }
});

test('a clean stop (SHUTDOWN) and start keep the ledger; stop and start are idempotent', async () => {
  const prefix = 'durable-clean';
  const l = await reader(prefix);
  await l.open(OPENINGS.slice(0, 2));
  await l.apply([{ kind: 'HOLD', txnId: 'h', account: 'ACC0', amountPaise: 1_234 }]);
  const before = await snapshot(l, ['h']);
  l.connection.disconnect();
  expect(await redisSh('stop')).toMatch(/stopped/);
  expect(await redisSh('stop')).toMatch(/not running/);
  await expect(redisSh('status')).rejects.toThrow();
  expect(await redisSh('start')).toMatch(/started/);
  expect(await redisSh('start')).toMatch(/already running/);
  const again = await reader(prefix);
  try {
    expect(await snapshot(again, ['h'])).toEqual(before);
    expect(before.summary).toMatchObject({ availablePaise: 98_766, heldPaise: 1_234 });
  } finally {
    await again.connection.quit();
  }
});
