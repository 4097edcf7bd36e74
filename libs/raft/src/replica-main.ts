import * as path from 'path';
import { monitorEventLoopDelay, PerformanceObserver } from 'perf_hooks';
import * as readline from 'readline';
import { FileStorage } from './file-storage';
import { NotLeaderError, RaftHost, type RaftStatus } from './host';
import { KvReplicaMachine } from './sim/kv';
import { TcpTransport, type PeerAddress } from './tcp-transport';
import type { NodeId } from './types';

/*
 * One Raft replica as a process, for the TCP benchmark (`bench-tcp.ts`): a RaftHost with
 * FileStorage (fsync per Ready) and TcpTransport, running the key-value machine of the
 * simulation. Control is newline-delimited JSON: commands on stdin, replies and events on
 * stdout (one object a line). Warnings go to stderr.
 *
 *   node replica-main.js --id 1 --port 7101 --peers 2=127.0.0.1:7102,3=127.0.0.1:7103 --data DIR
 *        [--tick-ms 10] [--election-ticks 15] [--snapshot-every 20000]
 *
 * Commands:  {"op":"status"}
 *            {"op":"propose","key":"k","value":"v"}                    one put, answered when applied
 *            {"op":"load","rate":50000,"ms":3000,"size":64[,"window":N]} open-loop load from this
 *                                                   replica; with a window, at most N outstanding
 *            {"op":"exit"}
 * Events:    {"event":"ready",...}  {"event":"status",...}  on every role/term/leader change
 *            {"event":"leaderCommitted","term":T,"at":wallMs,"electedAt":wallMs}  first entry of a
 *            new leader's term committed (a marker it proposes as soon as it is elected)
 */

interface Args {
  id: NodeId;
  port: number;
  peers: Map<NodeId, PeerAddress>;
  data: string;
  tickMs: number;
  electionTicks: number;
  snapshotEvery: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (name: string, dflt?: number): number => {
    const raw = get(name);
    const v = raw === undefined ? dflt : Number(raw);
    if (v === undefined || !Number.isInteger(v) || v < 0)
      throw new Error(`--${name} must be a non-negative integer`);
    return v;
  };
  const peers = new Map<NodeId, PeerAddress>();
  for (const part of (get('peers') ?? '').split(',').filter(Boolean)) {
    const m = /^(\d+)=([^:]+):(\d+)$/.exec(part);
    if (!m) throw new Error(`bad --peers item ${part} (want id=host:port)`);
    peers.set(Number(m[1]), { host: m[2]!, port: Number(m[3]) });
  }
  const data = get('data');
  if (!data) throw new Error('--data DIR is required');
  return {
    id: int('id'),
    port: int('port'),
    peers,
    data,
    tickMs: int('tick-ms', 10),
    electionTicks: int('election-ticks', 15),
    snapshotEvery: int('snapshot-every', 20_000),
  };
}

const wall = (): number => performance.timeOrigin + performance.now();
const out = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

/** Most commands proposed in one turn (a client batch): bigger turns stall the event loop. */
const MAX_BATCH = 2000;

/** Open-loop load: entries are due at a fixed rate whatever the latency; what is due is proposed in one batch. */
async function runLoad(
  host: RaftHost,
  rate: number,
  ms: number,
  size: number,
  window = Infinity,
): Promise<{
  proposed: number;
  committed: number;
  failed: number;
  elapsedMs: number;
  latencyMs: Percentiles;
  loopDelayMs: { p50: number; p99: number; max: number };
  gc: { count: number; totalMs: number; maxMs: number };
}> {
  const value = 'x'.repeat(Math.max(0, size - 40));
  const latencies: number[] = [];
  let proposed = 0;
  let committed = 0;
  let failed = 0;
  const pendingBatches = new Set<Promise<void>>();
  let stopped = false;
  // How late this process's event loop ran (CPU starvation or long synchronous work): tail context.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const step = () => {
      const now = performance.now();
      const elapsed = Math.min(now - t0, ms);
      // With a window, at most `window` entries are outstanding (a closed loop at saturation).
      const due = Math.min(
        Math.floor((elapsed * rate) / 1000) - proposed,
        window - (proposed - committed - failed),
        MAX_BATCH,
      );
      if (due > 0) {
        const first = proposed;
        const cmds = Array.from({ length: due }, (_, i) =>
          JSON.stringify({ id: first + i, client: 0, op: 'put', key: `k${(first + i) % 1000}`, value }),
        );
        proposed += due;
        const p = host.proposeMany(cmds).then(
          () => {
            const done = performance.now();
            // Latency from when each entry was due (not when it was sent): no coordinated omission.
            for (let i = 0; i < due; i++) latencies.push(done - (t0 + ((first + i + 1) * 1000) / rate));
            committed += due;
          },
          () => {
            // Leadership moved: the run measures something else from here on; stop offering.
            failed += due;
            stopped = true;
          },
        );
        pendingBatches.add(p);
        void p.finally(() => pendingBatches.delete(p));
      }
      if (now - t0 >= ms || stopped) resolve();
      else if (window !== Infinity) setImmediate(step);
      else setTimeout(step, 1);
    };
    step();
  });
  const elapsedMs = performance.now() - t0;
  await Promise.all([...pendingBatches]);
  loopDelay.disable();
  gcObserver.disconnect();
  const ns = (x: number) => Math.round(x / 1e4) / 100;
  return {
    proposed,
    committed,
    failed,
    elapsedMs,
    latencyMs: percentiles(latencies),
    loopDelayMs: {
      p50: ns(loopDelay.percentile(50)),
      p99: ns(loopDelay.percentile(99)),
      max: ns(loopDelay.max),
    },
    gc: { count: gc.count, totalMs: Math.round(gc.totalMs), maxMs: Math.round(gc.maxMs * 10) / 10 },
  };
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
}

function percentiles(xs: number[]): Percentiles {
  const s = Float64Array.from(xs).sort();
  const q = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p * s.length))]!);
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s.length ? s[s.length - 1]! : NaN, n: s.length };
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const storage = new FileStorage(path.join(a.data, `n${a.id}.raftlog`));
  if (storage.tornBytes > 0) console.error(`replica n${a.id}: cut a torn tail of ${storage.tornBytes} bytes`);
  const transport = new TcpTransport({
    id: a.id,
    port: a.port,
    peers: a.peers,
    log: (l) => console.error(l),
  });
  await transport.listen();
  const sm = new KvReplicaMachine();
  let electedAt = 0;
  const host: RaftHost = new RaftHost({
    id: a.id,
    peers: [...a.peers.keys()],
    storage,
    transport,
    stateMachine: sm,
    tickMs: a.tickMs,
    electionTicks: a.electionTicks,
    snapshotEvery: a.snapshotEvery,
    onStatus: (s: RaftStatus) => {
      out({ event: 'status', ...s, at: wall() });
      if (s.role === 'leader') {
        electedAt = wall();
        const term = s.term;
        // The first command of a new term, committed: when clients are served again.
        host
          .propose(JSON.stringify({ id: -term, client: a.id, op: 'put', key: 'leader', value: `${a.id}` }))
          .then(
            () => out({ event: 'leaderCommitted', id: a.id, term, at: wall(), electedAt }),
            () => {},
          );
      }
    },
  });
  host.start();
  out({ event: 'ready', port: transport.port, pid: process.pid, ...host.status() });

  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let cmd: {
      op?: string;
      key?: string;
      value?: string;
      rate?: number;
      ms?: number;
      size?: number;
      window?: number;
      tag?: unknown;
    };
    try {
      cmd = JSON.parse(line) as typeof cmd;
    } catch {
      out({ error: 'bad json' });
      return;
    }
    const tag = cmd.tag;
    if (cmd.op === 'status') out({ tag, status: host.status() });
    else if (cmd.op === 'propose') {
      host
        .propose(
          JSON.stringify({
            id: 0,
            client: 0,
            op: 'put',
            key: String(cmd.key),
            value: String(cmd.value ?? ''),
          }),
        )
        .then(
          (r) => out({ tag, ok: true, result: r }),
          (e: Error) =>
            out({ tag, ok: false, error: e.name, leader: e instanceof NotLeaderError ? e.leader : 0 }),
        );
    } else if (cmd.op === 'load') {
      const rate = Number(cmd.rate);
      const ms = Number(cmd.ms);
      if (!(rate > 0 && ms > 0)) {
        out({ tag, error: 'load needs positive rate and ms' });
        return;
      }
      const window = cmd.window === undefined ? Infinity : Number(cmd.window);
      void runLoad(host, rate, ms, Number(cmd.size ?? 64), window).then((r) => out({ tag, load: r }));
    } else if (cmd.op === 'exit') {
      void host.stop().then(() => process.exit(0));
    } else out({ tag, error: `unknown op ${String(cmd.op)}` });
  });
  rl.on('close', () => void host.stop().then(() => process.exit(0)));
}

main().catch((e: Error) => {
  console.error(`replica failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
