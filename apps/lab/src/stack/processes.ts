import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** Is `pid` alive (and not a zombie)? */
export function alive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Is `pid` still the process we started (its command line names `script`)? Guards against pid reuse. */
export function isOurs(pid: number | null, script: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script);
  } catch {
    return false;
  }
}

/** Starts `node script` detached (own process group), stdout and stderr appended to `log`. */
export function spawnDetached(script: string, env: Record<string, string>, log: string, cwd: string): number {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(process.execPath, [script], {
      cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env },
    });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${script}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Sends `signal`, then waits up to `graceMs` for the process to end; SIGKILL after that. */
export async function stopPid(
  pid: number,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) await sleep(100);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (alive(pid)) await sleep(50);
  }
}

/** Runs an infra script (infra/kafka/kafka.sh, infra/redis/redis.sh); returns its exit code and output. */
export function infra(
  root: string,
  script: string,
  arg: string,
  env: Record<string, string> = {},
): { code: number; out: string } {
  const r = spawnSync('bash', [script, arg], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Polls `url` until it answers 200, or rejects after `timeoutMs` (or when `pid` dies). */
export async function waitHealthy(
  url: string,
  timeoutMs: number,
  pid: number | null,
  log: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (pid !== null && !alive(pid)) throw new Error(`exited before it was healthy; see ${log}`);
    if (Date.now() > until) throw new Error(`not healthy after ${timeoutMs} ms (${url}); see ${log}`);
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
