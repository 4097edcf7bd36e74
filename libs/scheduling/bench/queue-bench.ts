/**
 * Throughput of Scheduler.offer + take with 100,000 items queued, per strategy. Not a test.
 *   npm run build && node dist/libs/scheduling/bench/queue-bench.js [queued] [ops]
 * Prints one JSON object. Wall time is read here only: the bench is a host, not a core.
 */
import { CATEGORIES, Random } from '../../domain/src';
import { createScheduler } from '../src/scheduler';
import { STRATEGIES } from '../src/types';

function bench(strategy: (typeof STRATEGIES)[number], queued: number, ops: number, drain = false) {
  const rnd = new Random(1);
  const cats = Array.from({ length: 1024 }, () => rnd.pick(CATEGORIES));
  // Long deadlines so nothing expires: we measure the queue, not the drops.
  const s = createScheduler<number>(strategy, {
    maxQueue: queued * 2,
    deadlinesMs: { MEDICAL: 1e12, SALARY: 1e12, BILL: 1e12, P2P: 1e12, P2M: 1e12 },
  });
  // A drain rate so high that nothing is shed: measures the cost of EDF's overload check alone.
  if (drain) s.setDrainModel({ perSec: 1e12, serviceMs: 0 });
  for (let i = 0; i < queued; i++) s.offer(i, { category: cats[i & 1023]!, initiation: 'CUSTOMER' }, 0);
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < ops; i++) {
    s.offer(i, { category: cats[i & 1023]!, initiation: 'CUSTOMER' }, i);
    sink += s.take(1, i).batch[0] ?? 0;
  }
  const ms = performance.now() - t0;
  if (s.size !== queued) throw new Error(`queue drifted: ${s.size}`);
  return {
    strategy: drain ? `${strategy} (with drain model)` : strategy,
    queued,
    ops,
    ms: +ms.toFixed(1),
    opsPerSec: Math.round(ops / (ms / 1000)),
    sink,
  };
}

const queued = Number(process.argv[2] ?? 100_000);
const ops = Number(process.argv[3] ?? 1_000_000);
const runs = [...STRATEGIES.map((st) => [st, false] as const), ['earliest-deadline-first', true] as const];
const results = runs.map(([st, drain]) => {
  const { sink: _sink, ...r } = bench(st, queued, ops, drain);
  return r;
});
console.log(
  JSON.stringify(
    { bench: 'scheduler offer+take (one op = one offer and one take of 1)', node: process.version, results },
    null,
    2,
  ),
);
