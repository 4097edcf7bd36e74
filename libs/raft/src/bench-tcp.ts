import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { SingleBar } from 'cli-progress';
import { decodeFrame, encodeFrame } from './frame';
import type { Message, NodeId } from './types';

/*
 * Benchmark (not a test): three replica processes (`replica-main.ts`) on 127.0.0.1 with
 * FileStorage (one fsync per Ready) and TCP between them.
 *  1. Throughput: as many proposals as a window of `--window` outstanding entries allows;
 *     committed entries/s.
 *  2. Latency: open-loop load at fixed rates (default 10k, 25k, 50k/s); commit latency p50/p99 measured
 *     from when each entry was due. Each is the median of `--runs` runs.
 *  3. Failover: `kill -9` of the leader, `--kills` times; time from the kill to the first entry
 *     committed in the new leader's term, and to the election itself. The killed replica restarts
 *     from its log file and catches up before the next kill.
 *  4. Codec: encode+decode of an append of 512 entries, binary frames against JSON.
 * `npm run bench:raft:tcp [-- --runs 3 --ms 3000 --rates 10000,25000,50000 --window 20000 --kills 12 --size 64]`
 * writes results/bench-raft-tcp.json and prints a summary.
 */

function arg(name: string, dflt: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} must be a number >= ${min}`);
  return v;
}

const RUNS = arg('runs', 3);
const MS = arg('ms', 3000);
/** Offered rates for the latency runs; the last is the headline (the 50,000/s aim). */
const RATES = (
  process.argv.includes('--rates') ? process.argv[process.argv.indexOf('--rates') + 1]! : '10000,25000,50000'
)
  .split(',')
  .map(Number);
if (RATES.some((r) => !(r > 0))) throw new Error('--rates must be a comma-separated list of positive rates');
const WINDOW = arg('window', 20_000);
const KILLS = arg('kills', 12, 0); // 0 skips the failover part (e.g. to profile the replicas)
const SIZE = arg('size', 64);
const TICK_MS = arg('tick-ms', 10);
const ELECTION_TICKS = arg('election-ticks', 15);
const IDS: NodeId[] = [1, 2, 3];
const REPLICA = path.join(__dirname, 'replica-main.js');
/** Extra node flags for the replicas, e.g. RAFT_REPLICA_NODE_ARGS=--cpu-prof to profile them. */
const NODE_ARGS = (process.env.RAFT_REPLICA_NODE_ARGS ?? '').split(' ').filter(Boolean);
const wall = (): number => performance.timeOrigin + performance.now();

interface Event {
  event?: string;
  tag?: number;
  [k: string]: unknown;
}

/** One replica process and its newline-JSON control channel. */
class Replica {
  proc: ChildProcess | null = null;
  role = 'follower';
  term = 0;
  private tags = 0;
  private waiters = new Map<number, (e: Event) => void>();
  private listeners: ((e: Event) => void)[] = [];

  constructor(
    readonly id: NodeId,
    readonly port: number,
    private readonly args: string[],
    private readonly stderrLog: fs.WriteStream,
  ) {}

  start(): Promise<void> {
    const p = spawn(process.execPath, [...NODE_ARGS, REPLICA, ...this.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc = p;
    this.role = 'follower';
    p.stderr!.on('data', (d: Buffer) => this.stderrLog.write(`[n${this.id}] ${d.toString()}`));
    const rl = readline.createInterface({ input: p.stdout! });
    let ready: () => void = () => {};
    const isReady = new Promise<void>((r) => (ready = r));
    rl.on('line', (line) => {
      let e: Event;
      try {
        e = JSON.parse(line) as Event;
      } catch {
        return;
      }
      if (e.event === 'ready') ready();
      if (e.event === 'status') {
        this.role = String(e.role);
        this.term = Number(e.term);
      }
      if (typeof e.tag === 'number') {
        const w = this.waiters.get(e.tag);
        this.waiters.delete(e.tag);
        w?.(e);
      }
      for (const l of this.listeners) l(e);
    });
    p.on('exit', () => {
      if (this.proc === p) this.proc = null;
    });
    p.stdin!.on('error', () => {});
    return isReady;
  }

  on(l: (e: Event) => void): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }

  call(cmd: object): Promise<Event> {
    const tag = ++this.tags;
    return new Promise((resolve, reject) => {
      if (!this.proc) return reject(new Error(`n${this.id} is not running`));
      this.waiters.set(tag, resolve);
      this.proc.stdin!.write(`${JSON.stringify({ ...cmd, tag })}\n`);
    });
  }

  kill9(): Promise<void> {
    const p = this.proc;
    if (!p) return Promise.resolve();
    return new Promise((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    await new Promise<void>((r) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      p.once('exit', () => {
        clearTimeout(t);
        r();
      });
      p.stdin!.end();
    });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

class Cluster {
  readonly replicas: Replica[] = [];
  readonly dir: string;
  private readonly log: fs.WriteStream;

  constructor(ports: number[]) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-bench-'));
    this.log = fs.createWriteStream(path.join(this.dir, 'replicas.log'));
    for (const [i, id] of IDS.entries()) {
      const peers = IDS.filter((p) => p !== id)
        .map((p) => `${p}=127.0.0.1:${ports[p - 1]}`)
        .join(',');
      const args = [
        '--id', `${id}`, '--port', `${ports[i]}`, '--peers', peers, '--data', path.join(this.dir, `n${id}`),
        '--tick-ms', `${TICK_MS}`, '--election-ticks', `${ELECTION_TICKS}`,
      ]; // prettier-ignore
      this.replicas.push(new Replica(id, ports[i]!, args, this.log));
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.start()));
  }

  running(): Replica[] {
    return this.replicas.filter((r) => r.proc !== null);
  }

  /** The one running replica that says it leads (asked, not just remembered). */
  async leader(): Promise<Replica> {
    return waitFor('a leader', async () => {
      const st = await Promise.all(this.running().map((r) => r.call({ op: 'status' })));
      const leaders = st
        .map((e) => e.status as { role: string; id: number })
        .filter((s) => s.role === 'leader');
      return leaders.length === 1 ? this.replicas[leaders[0]!.id - 1] : undefined;
    });
  }

  async caughtUp(): Promise<void> {
    const l = await this.leader();
    const commit = ((await l.call({ op: 'status' })).status as { commit: number }).commit;
    await waitFor('every replica to catch up', async () => {
      const st = await Promise.all(this.running().map((r) => r.call({ op: 'status' })));
      return st.every((e) => (e.status as { applied: number }).applied >= commit) ? true : undefined;
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
    this.log.end();
  }
}

interface LoadResult {
  proposed: number;
  committed: number;
  failed: number;
  elapsedMs: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; n: number };
  /** The leader's event-loop lateness during the run. */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** The leader's garbage-collection pauses during the run. */
  gc: { count: number; totalMs: number; maxMs: number };
}

async function load(
  c: Cluster,
  rate: number,
  ms: number,
  window?: number,
): Promise<LoadResult & { entriesPerSec: number; elections: number }> {
  const l = await c.leader();
  let elections = 0;
  const offs = c.replicas.map((x) =>
    x.on((e) => void (e.event === 'status' && e.role === 'leader' && elections++)),
  );
  const t0 = performance.now();
  const r = (await l.call({ op: 'load', rate, ms, size: SIZE, window })).load as LoadResult;
  const wallMs = performance.now() - t0;
  offs.forEach((off) => off());
  // Committed per second of the whole run, including draining the backlog after the offered load stops.
  return { ...r, elections, entriesPerSec: Math.round((r.committed / wallMs) * 1000) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function dist(xs: number[]): {
  min: number;
  p50: number;
  p90: number;
  max: number;
  n: number;
  samples: number[];
} {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return {
    min: s[0] ?? NaN,
    p50: round(median(s)),
    p90: q(0.9),
    max: s[s.length - 1] ?? NaN,
    n: s.length,
    samples: xs,
  };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function failover(
  c: Cluster,
  bar: SingleBar,
): Promise<{ toCommitMs: number[]; toElectedMs: number[] }> {
  const toCommitMs: number[] = [];
  const toElectedMs: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    await c.caughtUp();
    const l = await c.leader();
    const term = ((await l.call({ op: 'status' })).status as { term: number }).term;
    const others = c.replicas.filter((r) => r !== l);
    const committed = new Promise<Event>((resolve) => {
      const offs = others.map((r) =>
        r.on((e) => {
          if (e.event === 'leaderCommitted' && Number(e.term) > term) {
            offs.forEach((off) => off());
            resolve(e);
          }
        }),
      );
    });
    const killAt = wall();
    await l.kill9();
    const e = await Promise.race([
      committed,
      sleep(15_000).then(() => {
        throw new Error('no new leader committed within 15 s');
      }),
    ]);
    toCommitMs.push(round(Number(e.at) - killAt));
    toElectedMs.push(round(Number(e.electedAt) - killAt));
    await l.start(); // restarts from its log file
    // Let the restarted replica rejoin and the new leader settle before the next kill.
    await sleep(300 + Math.random() * 300);
    bar.increment();
  }
  return { toCommitMs, toElectedMs };
}

function codec(): Record<string, number> {
  const m: Message = {
    type: 'App',
    from: 1,
    to: 2,
    term: 9,
    index: 100_000,
    logTerm: 9,
    commit: 99_990,
    reject: false,
    rejectHint: 0,
    entries: Array.from({ length: 512 }, (_, i) => ({
      term: 9,
      index: 100_001 + i,
      data: JSON.stringify({ id: i, client: 0, op: 'put', key: `k${i}`, value: 'x'.repeat(SIZE - 40) }),
    })),
  };
  const time = (fn: () => void): number => {
    for (let i = 0; i < 50; i++) fn();
    const n = 400;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    return (performance.now() - t0) / n;
  };
  const binMs = time(() => decodeFrame(encodeFrame(m)));
  const jsonMs = time(() => {
    const b = Buffer.from(JSON.stringify(m));
    JSON.parse(b.toString()) as Message;
  });
  return {
    entriesPerMsg: 512,
    binaryBytes: encodeFrame(m).length,
    jsonBytes: Buffer.byteLength(JSON.stringify(m)),
    binaryRoundTripUs: round(binMs * 1000, 1),
    jsonRoundTripUs: round(jsonMs * 1000, 1),
    jsonOverBinary: round(jsonMs / binMs),
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(REPLICA)) throw new Error(`${REPLICA} missing: run npm run build first`);
  const ports = [await freePort(), await freePort(), await freePort()];
  const c = new Cluster(ports);
  const bar = new SingleBar({ format: 'raft tcp bench |{bar}| {value}/{total} {stage}' });
  const steps = RUNS * (1 + RATES.length) + KILLS;
  let ok = true;
  bar.start(steps, 0, { stage: 'starting' });
  try {
    await c.start();
    await c.leader();
    await load(c, 5000, 500); // warm-up: JIT, connections, first snapshot
    const sat: Awaited<ReturnType<typeof load>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      bar.update({ stage: `throughput run ${i + 1}` });
      sat.push(await load(c, 10_000_000, MS, WINDOW));
      await c.caughtUp();
      bar.increment();
    }
    const byRate: { rate: number; runs: Awaited<ReturnType<typeof load>>[] }[] = [];
    for (const rate of RATES) {
      const runs: Awaited<ReturnType<typeof load>>[] = [];
      for (let i = 0; i < RUNS; i++) {
        bar.update({ stage: `latency run ${i + 1} at ${rate}/s` });
        runs.push(await load(c, rate, MS));
        await c.caughtUp();
        bar.increment();
      }
      byRate.push({ rate, runs });
    }
    bar.update({ stage: 'failover (kill -9 of the leader)' });
    const fo = await failover(c, bar);
    bar.update({ stage: 'done' });
    bar.stop();
    const result = {
      bench: 'raft-3-replicas-tcp-127.0.0.1',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => round(x)), node: process.version },
      config: {
        runs: RUNS,
        ms: MS,
        entryBytes: SIZE,
        tickMs: TICK_MS,
        electionTicks: ELECTION_TICKS,
        electionTimeoutMs: [TICK_MS * ELECTION_TICKS, 2 * TICK_MS * ELECTION_TICKS],
        storage: 'FileStorage, fsync per Ready',
        load: 'open-loop, generated inside the leader process; entries due in one turn proposed as one batch',
      },
      throughput: {
        mode: `closed loop: at most ${WINDOW} entries outstanding, proposed as soon as the window allows`,
        committedPerSecMedian: median(sat.map((r) => r.entriesPerSec)),
        runs: sat.map((r) => ({
          entriesPerSec: r.entriesPerSec,
          committed: r.committed,
          failed: r.failed,
          elections: r.elections,
        })),
      },
      latency: byRate.map(({ rate, runs }) => ({
        offeredPerSec: rate,
        committedPerSecMedian: median(runs.map((r) => r.entriesPerSec)),
        p50MsMedian: round(median(runs.map((r) => r.latencyMs.p50))),
        p99MsMedian: round(median(runs.map((r) => r.latencyMs.p99))),
        runs: runs.map((r) => ({
          entriesPerSec: r.entriesPerSec,
          committed: r.committed,
          failed: r.failed,
          elections: r.elections,
          leaderLoopDelayMs: r.loopDelayMs,
          leaderGc: r.gc,
          latencyMs: {
            p50: round(r.latencyMs.p50),
            p90: round(r.latencyMs.p90),
            p99: round(r.latencyMs.p99),
            max: round(r.latencyMs.max),
          },
        })),
      })),
      failover: {
        kills: KILLS,
        killToNewLeaderCommitMs: dist(fo.toCommitMs),
        killToElectedMs: dist(fo.toElectedMs),
      },
      codec: codec(),
    };
    fs.mkdirSync('results', { recursive: true });
    fs.writeFileSync('results/bench-raft-tcp.json', `${JSON.stringify(result, null, 2)}\n`);
    const f = result.failover.killToNewLeaderCommitMs;
    console.log(
      [
        `throughput (window ${WINDOW}): ${result.throughput.committedPerSecMedian} committed entries/s (median of ${RUNS})`,
        ...result.latency.map(
          (l) =>
            `latency at ${l.offeredPerSec}/s offered: p50 ${l.p50MsMedian} ms, p99 ${l.p99MsMedian} ms ` +
            `(${l.committedPerSecMedian}/s committed)`,
        ),
        `failover over ${KILLS} kill -9: kill -> first commit of new leader min ${f.min} / p50 ${f.p50} / p90 ${f.p90} / max ${f.max} ms`,
        `leader elections during load runs: ${[...sat, ...byRate.flatMap((b) => b.runs)].map((r) => r.elections).join(', ')} (0 is the goal)`,
        `codec: binary ${result.codec.binaryRoundTripUs} us vs JSON ${result.codec.jsonRoundTripUs} us per 512-entry append`,
        'written to results/bench-raft-tcp.json',
      ].join('\n'),
    );
  } catch (e) {
    ok = false;
    throw e;
  } finally {
    bar.stop();
    await c.stop();
    if (ok) fs.rmSync(c.dir, { recursive: true, force: true });
    else console.error(`replica logs and data kept in ${c.dir}`);
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exitCode = 1;
});
