import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { buildTopology, TrafficGenerator, type Scenario } from '../../../../libs/scenarios/src';

export interface HttpServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `upi-lab serve` (the embedded system behind the PSP HTTP app) in a child process, so the
 * load generator does not share its event loop, and waits until /healthz answers.
 */
export async function startServer(
  mainJs: string,
  scenarioFile: string,
  log: (m: string) => void,
): Promise<HttpServer> {
  const port = await freePort();
  const child = fork(
    mainJs,
    ['serve', '--scenario', scenarioFile, '--port', String(port), '--host', '127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench server exited with ${child.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bench server not healthy after 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`server pid ${child.pid} on ${url}`);
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface HttpPoint {
  readonly connections: number;
  readonly durationSec: number;
  readonly requestsPerSec: number;
  readonly requests: number;
  readonly latencyMs: { mean: number; p50: number; p90: number; p97_5: number; p99: number; max: number };
  readonly status2xx: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
}

/**
 * Realistic payment bodies from the scenario's topology (same seed, so the VPAs exist in the
 * server's directory). A pool, cycled, keeps body generation off the load generator's hot path;
 * keys stay unique because each request gets a fresh Idempotency-Key.
 */
export function bodyPool(s: Scenario, size: number): string[] {
  const traffic = new TrafficGenerator(s, buildTopology(s));
  const out: string[] = [];
  for (let i = 0; i < size; i++) {
    const a = traffic.next();
    if (!a) break;
    out.push(JSON.stringify(a.body));
  }
  return out;
}

/** One autocannon run against POST /v1/payments with a new Idempotency-Key per request. */
export async function loadPoint(
  url: string,
  bodies: readonly string[],
  keyPrefix: string,
  connections: number,
  durationSec: number,
): Promise<HttpPoint> {
  let n = 0;
  const result = await autocannon({
    url: `${url}/v1/payments`,
    connections,
    duration: durationSec,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = n++;
          return {
            ...req,
            method: 'POST',
            path: '/v1/payments',
            headers: { 'content-type': 'application/json', 'idempotency-key': `${keyPrefix}-${i}` },
            body: bodies[i % bodies.length]!,
          };
        },
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count ?? 0;
  const l = result.latency;
  return {
    connections,
    durationSec: result.duration,
    requestsPerSec: Math.round(result.requests.total / result.duration),
    requests: result.requests.total,
    latencyMs: { mean: l.mean, p50: l.p50, p90: l.p90, p97_5: l.p97_5, p99: l.p99, max: l.max },
    status2xx: result['2xx'],
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
