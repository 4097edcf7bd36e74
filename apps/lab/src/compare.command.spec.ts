import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
