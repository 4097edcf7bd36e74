import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { runScenario, virtualClock } from '../../runtime/src';
import { loadScenario, type RunResult } from '../../scenarios/src';
import { buildReport } from '../src';

/*
 * The report as a person opens it: headless Debian Chromium (/usr/bin/chromium, installed by
 * .ci/run; never a browser download) loads the file offline. Every chart must exist with data and
 * paint pixels, and the page must log no error. A unit test: it needs no Kafka or Redis.
 */
const ARTIFACTS = resolve(__dirname, '../../../artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function run(scheduling: string, size: number): Promise<RunResult> {
  const scenario = loadScenario(resolve(__dirname, '../../../scenarios/smoke.yaml'), {
    durationSec: 6,
    scheduling,
    batch: { size },
  });
  return runScenario(scenario, { clock: virtualClock(), mode: 'embedded', drainMs: 5_000 });
}

describe('comparison report in headless Chromium', () => {
  let browser: Browser;
  let file: string;
  let results: RunResult[];

  beforeAll(async () => {
    results = [await run('fifo', 1), await run('earliest-deadline-first', 50)];
    const chartJs = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');
    const { html } = buildReport(results, { chartJs, generatedAt: 'test' });
    mkdirSync(ARTIFACTS, { recursive: true });
    file = join(ARTIFACTS, 'report-browser-test.html');
    writeFileSync(file, html);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders every chart with data, offline, without console errors; saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // Offline: any request leaving the file would fail the page (and show up here).
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 15_000 });

    const charts = await page.evaluate(() => {
      const g = globalThis as unknown as {
        Chart: {
          instances: Record<string, { canvas: { id: string }; data: { datasets: { data: unknown[] }[] } }>;
        };
      };
      const points = (xs: unknown[]) =>
        xs.filter((v) =>
          typeof v === 'number'
            ? true
            : v !== null && typeof v === 'object' && (v as { y: unknown }).y !== null,
        ).length;
      return Object.values(g.Chart.instances).map((c) => ({
        id: c.canvas.id,
        datasets: c.data.datasets.length,
        points: c.data.datasets.reduce((n, d) => n + points(d.data), 0),
      }));
    });
    expect(charts.map((c) => c.id).sort()).toEqual(
      [
        'chart-batch',
        'chart-declines',
        'chart-p50',
        'chart-p99',
        'chart-queue',
        'chart-success',
        'chart-throughput',
      ].sort(),
    );
    for (const c of charts) expect(c.points).toBeGreaterThan(0);
    // Two runs: each time-series chart has one dataset per run with a point per second.
    const success = charts.find((c) => c.id === 'chart-success')!;
    expect(success.datasets).toBe(2);
    expect(success.points).toBeGreaterThanOrEqual(2 * 6);

    // Pixels: a drawn canvas has many non-transparent pixels; an empty one has none.
    const painted = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } })
        .document;
      return Array.from(
        doc.querySelectorAll('canvas') as ArrayLike<{
          id: string;
          width: number;
          height: number;
          getContext(k: '2d'): {
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
          };
        }>,
      ).map((cv) => {
        const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
        return { id: cv.id, painted: n / (px.length / 4) };
      });
    });
    expect(painted).toHaveLength(7);
    for (const p of painted) expect(p.painted).toBeGreaterThan(0.01);

    await page.screenshot({ path: join(ARTIFACTS, 'report-browser-test.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows the verdict for every class', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    const items = await page.locator('.verdict li').allTextContents();
    expect(items).toHaveLength(5);
    for (const c of ['MEDICAL', 'SALARY', 'BILL', 'P2P', 'P2M'])
      expect(items.some((t) => t.startsWith(c))).toBe(true);
    await page.close();
  });
});
