import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIM_WORKER_ENV } from '../../../libs/sim/src/sim-runner';
import { bundleSimWorker } from '../../../libs/sim/test/worker-bundle';
import { compareCommand, parseList } from './compare.command';

const SMOKE = join(__dirname, '../../../scenarios/smoke.yaml');

describe('upi-lab compare', () => {
  it('runs every strategy × batch size and writes the results, the HTML report and the comparison', async () => {
    const out = mkdtempSync(join(tmpdir(), 'upi-compare-'));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await compareCommand({
      scenario: SMOKE,
      strategies: 'fifo,earliest-deadline-first',
      batch: '1,50',
      batchPolicy: 'fixed',
      duration: 3,
      out,
      progress: false,
    });
    log.mockRestore();
    expect(code).toBe(0);
    const runs = readdirSync(out).filter((f) => f.startsWith('run-'));
    expect(runs.sort()).toEqual([
      'run-earliest-deadline-first-fixed-1.json',
      'run-earliest-deadline-first-fixed-50.json',
      'run-fifo-fixed-1.json',
      'run-fifo-fixed-50.json',
    ]);
    const cmp = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      runs: { label: string; batchSize: number; scheduling: string }[];
      verdicts: unknown[];
    };
    expect(cmp.runs.map((r) => `${r.scheduling}/${r.batchSize}`)).toEqual([
      'fifo/1',
      'fifo/50',
      'earliest-deadline-first/1',
      'earliest-deadline-first/50',
    ]);
    expect(cmp.verdicts).toHaveLength(5);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('with two workers, writes the same runs as with one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upi-compare-workers-'));
    process.env[SIM_WORKER_ENV] = bundleSimWorker(dir);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const runs = async (workers: number) => {
        const out = join(dir, `w${workers}`);
        const code = await compareCommand({
          scenario: SMOKE,
          strategies: 'fifo,weighted-fair',
          batch: '50',
          duration: 2,
          out,
          progress: false,
          workers,
        });
        expect(code).toBe(0);
        return readdirSync(out)
          .filter((f) => f.startsWith('run-'))
          .sort()
          .map((f) =>
            // Wall-clock figures (the run's start, CPU and wall times) differ between any two runs.
            JSON.stringify(JSON.parse(readFileSync(join(out, f), 'utf8')), (k, v: unknown) =>
              /wall|cpu|startedAt/i.test(k) ? undefined : v,
            ),
          );
      };
      const one = await runs(1);
      expect(one).toHaveLength(2);
      expect(await runs(2)).toEqual(one);
      // Two workers do go through the worker entry: without one, the command says so.
      process.env[SIM_WORKER_ENV] = join(dir, 'missing.js');
      await expect(runs(2)).rejects.toThrow(/missing: build first/);
    } finally {
      log.mockRestore();
      delete process.env[SIM_WORKER_ENV];
    }
  }, 120_000);

  it('refuses unknown strategies and bad sizes before running anything', async () => {
    await expect(compareCommand({ scenario: SMOKE, strategies: 'fifo,lifo', batch: '1' })).rejects.toThrow(
      /unknown strategy "lifo"/,
    );
    await expect(compareCommand({ scenario: SMOKE, strategies: 'fifo', batch: '1,0' })).rejects.toThrow(
      /"0" is not a batch size/,
    );
    expect(() => parseList('--batch', '1,,2')).toThrow(/comma-separated/);
    expect(() => parseList('--batch', '1,1')).toThrow(/twice/);
  });
});
