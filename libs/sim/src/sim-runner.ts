import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RunResult, Scenario } from '../../scenarios/src';
import { virtualClock } from '../../runtime/src/clocks';
import { runScenario } from '../../runtime/src/run-scenario';
import type { SimModel } from './sim-model';
import { simulate } from './simulate';

/**
 * One run on a virtual clock: `simulated` (default) under a service-time model and the scenario's
 * network (libs/sim), or `embedded`, the embedded system with no model (`upi-lab compare`'s default).
 */
export interface SimJob {
  readonly scenario: Scenario;
  readonly model: SimModel;
  readonly mode?: 'simulated' | 'embedded';
}

/** Runs one job in this process: the one implementation both runners use. */
export function runSimJob(job: SimJob): Promise<RunResult> {
  return job.mode === 'embedded'
    ? runScenario(job.scenario, { clock: virtualClock(), mode: 'embedded' })
    : simulate(job.scenario, { model: job.model });
}

/**
 * Runs virtual-clock runs for the planner and `compare`: one at a time in this process, or several
 * at once in worker threads. A seed gives the same result either way (each run is deterministic
 * on its own).
 */
export interface SimRunner {
  /** How many simulations it runs at once. */
  readonly width: number;
  run(job: SimJob): Promise<RunResult>;
  /** Starts the job now if a worker is free and nothing waits (a speculative run); null otherwise. */
  runIfIdle(job: SimJob): Promise<RunResult> | null;
  close(): Promise<void>;
}

/** `workers` ≤ 1: this process, one simulation at a time; more: a pool of worker threads. */
export function createSimRunner(workers: number, workerScript?: string): SimRunner {
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new Error(`workers must be a whole number from 1 to 64, got ${workers}`);
  return workers === 1
    ? new InProcessSimRunner()
    : new SimWorkerPool({ workers, ...(workerScript ? { workerScript } : {}) });
}

/**
 * In this process. Simulations are run one after another: each installs the virtual global clock
 * (opossum reads Date and setTimeout) for its duration, so two cannot overlap in one process.
 */
export class InProcessSimRunner implements SimRunner {
  readonly width = 1;
  private last: Promise<unknown> = Promise.resolve();

  run(job: SimJob): Promise<RunResult> {
    const next = this.last.then(() => runSimJob(job));
    this.last = next.catch(() => undefined);
    return next;
  }

  runIfIdle(): null {
    return null;
  }

  async close(): Promise<void> {
    await this.last;
  }
}

/** What the pool sends a worker (libs/sim/src/sim-worker.ts). */
export interface SimJobMessage {
  readonly id: number;
  readonly scenario: Scenario;
  /** The scenario's non-enumerable `source`, which structuredClone drops. */
  readonly source: string | undefined;
  readonly model: SimModel;
  readonly mode: 'simulated' | 'embedded';
}

/** What a worker answers: the result, or the error's text. */
export type SimReplyMessage =
  { readonly id: number; readonly result: RunResult } | { readonly id: number; readonly error: string };

interface Task {
  readonly msg: SimJobMessage;
  readonly resolve: (r: RunResult) => void;
  readonly reject: (e: Error) => void;
}

/** Names the worker entry to start instead of the compiled one beside this module (tests run from source). */
export const SIM_WORKER_ENV = 'UPI_SIM_WORKER';

export interface SimWorkerPoolOptions {
  readonly workers: number;
  /** The compiled worker entry; default $UPI_SIM_WORKER, else `sim-worker.js` beside this module (dist/). */
  readonly workerScript?: string;
}

/**
 * Worker threads, each running one simulation at a time; jobs wait in order for a free worker.
 * A full-scale NYE simulation holds up to ~2.5 GB, so each worker needs that much memory. Workers
 * inherit the process's V8 flags (the CLI's young-generation size).
 */
export class SimWorkerPool implements SimRunner {
  readonly width: number;
  private readonly script: string;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private seq = 0;
  private closed = false;
  /** Set when a worker died before its first job: runs fail with it once no worker is left. */
  private broken: Error | null = null;

  constructor(o: SimWorkerPoolOptions) {
    this.width = o.workers;
    this.script = o.workerScript ?? process.env[SIM_WORKER_ENV] ?? join(__dirname, 'sim-worker.js');
    if (!existsSync(this.script))
      throw new Error(
        `${this.script} is missing: build first (npm run build), or run with one worker (--workers 1)`,
      );
    for (let i = 0; i < o.workers; i++) this.idle.push(this.spawn());
  }

  run(job: SimJob): Promise<RunResult> {
    if (this.closed) return Promise.reject(new Error('simulation pool is closed'));
    if (this.broken && this.idle.length + this.busy.size === 0) return Promise.reject(this.broken);
    return new Promise<RunResult>((resolve, reject) => {
      this.queue.push({ msg: this.message(job), resolve, reject });
      this.pump();
    });
  }

  runIfIdle(job: SimJob): Promise<RunResult> | null {
    if (this.closed || this.queue.length > 0 || this.idle.length === 0) return null;
    return this.run(job);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('simulation pool closed');
    const all = [...this.idle.splice(0), ...this.busy.keys()];
    for (const t of this.queue.splice(0)) t.reject(err);
    for (const t of this.busy.values()) t.reject(err);
    this.busy.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  private message(job: SimJob): SimJobMessage {
    return {
      id: ++this.seq,
      scenario: job.scenario,
      source: job.scenario.source,
      model: job.model,
      mode: job.mode ?? 'simulated',
    };
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(w, task);
      w.postMessage(task.msg);
    }
  }

  private spawn(): Worker {
    const w = new Worker(this.script);
    w.on('message', (reply: SimReplyMessage) => {
      const task = this.busy.get(w);
      if (!task || task.msg.id !== reply.id) return;
      this.busy.delete(w);
      this.idle.push(w);
      if ('error' in reply) task.reject(new Error(`simulation failed in a worker: ${reply.error}`));
      else task.resolve(reply.result);
      this.pump();
    });
    // A worker that dies (out of memory, a crash) fails its job; a fresh one takes its place.
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => {
      if (code !== 0) this.lost(w, new Error(`worker exited with code ${code}`));
    });
    return w;
  }

  private lost(w: Worker, err: Error): void {
    if (this.closed) return;
    const task = this.busy.get(w);
    const wasIdle = this.idle.indexOf(w);
    if (!task && wasIdle < 0) return; // already handled ('error' then 'exit')
    this.busy.delete(w);
    if (wasIdle >= 0) this.idle.splice(wasIdle, 1);
    const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
    if (task) {
      task.reject(
        new Error(
          `a simulation worker died (${err.message})` +
            (oom ? ': out of memory; use fewer workers (--workers) or a smaller --scale' : ''),
        ),
      );
      this.idle.push(this.spawn());
      this.pump();
      return;
    }
    // Died before any job: its entry cannot start, and another would die the same way.
    this.broken = new Error(`a simulation worker could not start (${err.message})`);
    if (this.idle.length + this.busy.size === 0) for (const t of this.queue.splice(0)) t.reject(this.broken);
  }
}
