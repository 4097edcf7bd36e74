import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../scenarios/src';
import { DEFAULT_SIM_MODEL, parseSlo, planJson, runPlan, simulate } from '../src';
import { createSimRunner, runSimJob, SimWorkerPool } from '../src/sim-runner';
import { MUMBAI_CAPACITY_PLAN, tinyScenario } from './fixtures';
import { bundleSimWorker } from './worker-bundle';

/*
 * The planner's worker pool, with the real worker entry bundled by esbuild (as `npm run build`
 * compiles it to dist/): results must be the same to the byte as in this process.
 */
let dir: string;
let script: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sim-worker-'));
  script = bundleSimWorker(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What may differ between two runs of one seed: wall-clock times (an embedded run's start too). */
const stable = (r: RunResult) => JSON.stringify(r, (k, v) => (/wall|cpu|startedAt/i.test(k) ? undefined : v));

describe('simulations in worker threads', () => {
  it('gives each job the result this process would, two at a time', async () => {
    const a = tinyScenario({ seed: 3, durationSec: 2 });
    const b = tinyScenario({ seed: 4, durationSec: 2 });
    const pool = new SimWorkerPool({ workers: 2, workerScript: script });
    try {
      const started = [pool.run({ scenario: a, model: DEFAULT_SIM_MODEL })];
      // The second worker is free: a speculative job starts; then both are busy.
      const spec = pool.runIfIdle({ scenario: b, model: DEFAULT_SIM_MODEL });
      expect(spec).not.toBeNull();
      expect(pool.runIfIdle({ scenario: a, model: DEFAULT_SIM_MODEL })).toBeNull();
      const [ra, rb] = await Promise.all([started[0]!, spec!]);
      expect(stable(ra)).toBe(stable(await simulate(a)));
      expect(stable(rb)).toBe(stable(await simulate(b)));
      expect(ra.scenario.file).toBe(a.source ?? null);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('runs the embedded system on a virtual clock too (compare), with the same result', async () => {
    const job = {
      scenario: tinyScenario({ seed: 5, durationSec: 2 }),
      model: DEFAULT_SIM_MODEL,
      mode: 'embedded' as const,
    };
    const pool = new SimWorkerPool({ workers: 1, workerScript: script });
    try {
      const there = await pool.run(job);
      expect(there.mode).toBe('embedded');
      expect(stable(there)).toBe(stable(await runSimJob(job)));
    } finally {
      await pool.close();
    }
  }, 120_000);

  it("fails a job whose simulation throws, with the worker's error, and goes on", async () => {
    const pool = new SimWorkerPool({ workers: 1, workerScript: script });
    try {
      const broken = { ...tinyScenario({ durationSec: 1 }), topology: null } as never;
      await expect(pool.run({ scenario: broken, model: DEFAULT_SIM_MODEL })).rejects.toThrow(
        /simulation failed in a worker/,
      );
      const ok = await pool.run({ scenario: tinyScenario({ durationSec: 1 }), model: DEFAULT_SIM_MODEL });
      expect(ok.offered).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('a worker entry that cannot start fails the runs, once, instead of starting workers forever', async () => {
    const broken = join(dir, 'broken-worker.js');
    writeFileSync(broken, "throw new Error('no such module');\n");
    const pool = new SimWorkerPool({ workers: 2, workerScript: broken });
    try {
      await expect(pool.run({ scenario: tinyScenario(), model: DEFAULT_SIM_MODEL })).rejects.toThrow(
        /no such module/,
      );
      // Give the workers' deaths time to arrive; then the pool answers at once.
      await new Promise((r) => setTimeout(r, 500));
      await expect(pool.run({ scenario: tinyScenario(), model: DEFAULT_SIM_MODEL })).rejects.toThrow(
        /could not start \(.*no such module/,
      );
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('refuses a missing worker entry and a nonsense worker count, clearly', () => {
    expect(() => new SimWorkerPool({ workers: 2, workerScript: join(dir, 'nope.js') })).toThrow(
      /missing: build first/,
    );
    expect(() => createSimRunner(0)).toThrow(/whole number from 1 to 64/);
    expect(createSimRunner(1).width).toBe(1);
  });

  it('plans the same with three workers as in this process', async () => {
    const scenario = tinyScenario({ tps: 1600, scale: 1, durationSec: 2, extra: MUMBAI_CAPACITY_PLAN });
    const slo = parseSlo('success>=99,p99<=600');
    const here = await runPlan(scenario, slo, DEFAULT_SIM_MODEL);
    const pool = new SimWorkerPool({ workers: 3, workerScript: script });
    try {
      const there = await runPlan(scenario, slo, DEFAULT_SIM_MODEL, { runner: pool });
      expect(JSON.stringify(planJson(there))).toBe(JSON.stringify(planJson(here)));
      expect(stable(there.baseline)).toBe(stable(here.baseline));
      expect(there.recommended && stable(there.recommended)).toBe(
        here.recommended && stable(here.recommended),
      );
    } finally {
      await pool.close();
    }
  }, 300_000);
});
