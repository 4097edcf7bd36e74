import { randomUUID } from 'node:crypto';
import type { LedgerOp } from '../src/ledger-store';
import { RedisLedger } from '../src/redis-ledger';

/**
 * Throughput of RedisLedger.apply with batches of 100 ops, at several batches in flight. Not a test:
 *   npm run build && REDIS_URL=redis://127.0.0.1:6390 node dist/libs/ledger/bench/redis-ledger.bench.js
 * Ops mimic a bank's 2PC traffic: a HOLD per new payment, the CAPTURE or RELEASE of an older one, and
 * CREDITs for incoming payments. Uses a fresh prefix and deletes it afterwards.
 */
const ACCOUNTS = 1_000;
const BATCH = 100;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function main(): Promise<void> {
  const ledger = new RedisLedger({ url: process.env.REDIS_URL, prefix: `bench:${randomUUID()}` });
  try {
    await ledger.open(
      Array.from({ length: ACCOUNTS }, (_, i) => ({
        account: `A${i}`,
        bank: `B${i % 4}`,
        vpa: `a${i}@b`,
        balancePaise: 1e12,
      })),
    );
    let txn = 0;
    const batch = (): LedgerOp[] => {
      const ops: LedgerOp[] = [];
      while (ops.length < BATCH) {
        const t = txn++;
        const account = `A${t % ACCOUNTS}`;
        ops.push({ kind: 'HOLD', txnId: `t${t}`, account, amountPaise: 100 + (t % 997) });
        ops.push({ kind: t % 10 ? 'CAPTURE' : 'RELEASE', txnId: `t${t - 50}`, account, amountPaise: 0 });
        ops.push({ kind: 'CREDIT', txnId: `c${t}`, account: `A${(t * 7) % ACCOUNTS}`, amountPaise: 100 });
      }
      return ops.slice(0, BATCH);
    };
    for (const inFlight of [1, 4, 16]) {
      let batches = 0;
      const end = Date.now() + SECONDS * 1000;
      const lat: number[] = [];
      const worker = async () => {
        while (Date.now() < end) {
          const ops = batch();
          const t0 = process.hrtime.bigint();
          await ledger.apply(ops);
          lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
          batches++;
        }
      };
      const t0 = Date.now();
      await Promise.all(Array.from({ length: inFlight }, worker));
      const secs = (Date.now() - t0) / 1000;
      lat.sort((a, b) => a - b);
      const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!.toFixed(2);
      console.log(
        `in flight ${String(inFlight).padStart(2)}: ${(batches / secs).toFixed(0)} batches/s ` +
          `(${((batches * BATCH) / secs).toFixed(0)} ops/s), latency p50 ${p(0.5)} ms p99 ${p(0.99)} ms`,
      );
    }
    const s = await ledger.summary();
    console.log(`summary: ${s.accounts} accounts, held ${s.heldPaise} paise`);
  } finally {
    await ledger.flush();
    await ledger.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
