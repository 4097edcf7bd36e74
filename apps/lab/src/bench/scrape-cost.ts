#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createMetrics, type LabMetrics } from '../../../../libs/metrics/src';
import { runScenario, wallClock } from '../../../../libs/runtime/src';
import { loadScenario } from '../../../../libs/scenarios/src';

/*
 * What scraping /metrics costs at peak: the embedded system (every service's metrics on one
 * registry, so the most series one process can hold) runs the NYE peak on the wall clock twice,
 * without scrapes and with a scrape every 200 ms (25x Prometheus's 5 s interval), measuring
 * event-loop delay; then the populated registry is serialised repeatedly. Writes JSON.
 *   npm run bench:scrape -- [--out results/scrape-cost.json] [--seconds 12] [--scale S] [--scenario FILE]
 */

interface Phase {
  readonly scrapesPerSec: number;
  readonly scrapes: number;
  readonly scrapeMs: { readonly p50: number; readonly p99: number; readonly max: number } | null;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly completed: number;
  readonly p99LatencyMs: number;
}

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const OUT = arg('--out', join('results', 'scrape-cost.json'));
const SECONDS = Number(arg('--seconds', '12'));
const SCENARIO = arg('--scenario', 'scenarios/nye.yaml');
const SCALE = args.includes('--scale') ? Number(arg('--scale', '')) : undefined;
if (SCALE !== undefined && !(SCALE > 0)) throw new Error('--scale must be a positive number');

function quantiles(xs: number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: round(q(0.5)), p99: round(q(0.99)), max: round(s[s.length - 1]!) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function phase(scrapesPerSec: number, metrics: LabMetrics): Promise<Phase> {
  const scenario = loadScenario(SCENARIO, {
    durationSec: SECONDS,
    seed: 1,
    ...(SCALE !== undefined ? { scale: SCALE } : {}),
  });
  const h = monitorEventLoopDelay({ resolution: 1 });
  const times: number[] = [];
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  if (scrapesPerSec > 0)
    timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const t = performance.now();
      // As the /metrics handler does: serialise the registry (the socket write is not ours).
      void metrics.registry.metrics().then(() => {
        times.push(performance.now() - t);
        busy = false;
      });
    }, 1000 / scrapesPerSec);
  h.enable();
  const r = await runScenario(scenario, { clock: wallClock(), mode: 'embedded', drainMs: 3000, metrics });
  h.disable();
  if (timer) clearInterval(timer);
  return {
    scrapesPerSec,
    scrapes: times.length,
    scrapeMs: times.length ? quantiles(times) : null,
    eventLoopDelayMs: {
      p50: round(h.percentile(50) / 1e6),
      p99: round(h.percentile(99) / 1e6),
      max: round(h.max / 1e6),
    },
    completed: r.completed,
    p99LatencyMs: r.latencyMs.overall.p99,
  };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const phases: Phase[] = [];
  // Alternated twice: the machine is shared and noisy; compare side by side.
  for (const rate of [0, 5, 0, 5]) {
    process.stderr.write(`scrape-cost: ${SECONDS} s of load, ${rate} scrapes/s\n`);
    phases.push(await phase(rate, createMetrics({ defaultLabels: { service: 'embedded' } })));
  }
  // A registry filled by a full run: serialise it many times on an idle loop.
  const filled = createMetrics({ defaultLabels: { service: 'embedded' } });
  await phase(0, filled);
  const text = await filled.registry.metrics();
  const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  const idle: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await filled.registry.metrics();
    idle.push(performance.now() - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const off = phases.filter((p) => p.scrapesPerSec === 0);
  const on = phases.filter((p) => p.scrapesPerSec > 0);
  const result = {
    bench: 'scrape-cost',
    startedAt,
    scenario: SCENARIO,
    load: `the first ${SECONDS} s of the scenario at scale ${SCALE ?? 'of the file'}, wall clock`,
    serialise: { series, bytes: Buffer.byteLength(text), ms: quantiles(idle) },
    phases,
    summary: {
      scrapeMsMedianUnderLoad: round(median(on.map((p) => p.scrapeMs!.p50))),
      eventLoopDelayP99Ms: {
        withoutScrapes: round(median(off.map((p) => p.eventLoopDelayMs.p99))),
        withScrapes: round(median(on.map((p) => p.eventLoopDelayMs.p99))),
      },
    },
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(
    JSON.stringify({ serialise: result.serialise, summary: result.summary }, null, 2) + '\n',
  );
  process.stdout.write(`written to ${OUT}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
