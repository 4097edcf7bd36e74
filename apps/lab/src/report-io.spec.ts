import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario, virtualClock } from '../../../libs/runtime/src';
import { loadScenario } from '../../../libs/scenarios/src';
import { readResults, ReportInputError, writeReport } from './report-io';

describe('upi-lab report inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upi-report-'));

  it('names every bad file with its reason', () => {
    writeFileSync(join(dir, 'notjson.json'), '{ nope');
    writeFileSync(join(dir, 'shape.json'), JSON.stringify({ schemaVersion: 1, mode: 'embedded' }));
    const files = [join(dir, 'notjson.json'), join(dir, 'shape.json'), join(dir, 'missing.json')];
    let err: unknown;
    try {
      readResults(files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportInputError);
    const msg = (err as Error).message;
    expect(msg).toContain('notjson.json: not JSON');
    expect(msg).toContain('shape.json: not a run result');
    expect(msg).toContain('missing.json: cannot read');
    expect(() => readResults([])).toThrow(ReportInputError);
  });

  it('reads valid results back and writes the HTML and the comparison JSON', async () => {
    const r = await runScenario(
      loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'), { durationSec: 3 }),
      {
        clock: virtualClock(),
        mode: 'embedded',
      },
    );
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(r));
    const [back] = readResults([join(dir, 'ok.json')]);
    expect(back!.offered).toBe(r.offered);
    const out = writeReport([back!], join(dir, 'out', 'report'));
    const html = readFileSync(out.html, 'utf8');
    expect(html).toContain('<canvas id="chart-p99">');
    // Chart.js itself is inlined (its UMD build defines the global Chart).
    expect(html.length).toBeGreaterThan(150_000);
    expect(JSON.parse(readFileSync(out.json, 'utf8')).runs).toHaveLength(1);
  });
});
