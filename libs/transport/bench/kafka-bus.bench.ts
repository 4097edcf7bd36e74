import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../src/kafka-bus';

/**
 * KafkaBus throughput and request/reply latency on a real broker. Not a test:
 *   npm run build && KAFKA_BROKERS=127.0.0.1:9092 node dist/libs/transport/bench/kafka-bus.bench.js
 * 1. Publish+consume: N messages (≈200 bytes of JSON, 1000 keys) published in calls of 100 with a
 *    window of calls in flight, one consumer group; time from first publish to last delivery.
 * 2. Request/reply round trip through two bus instances (client, server), sequential and with
 *    32 requests in flight: p50/p99.
 * 3. Group membership: how long `subscribe` takes for a new group, for a second member (a
 *    rebalance), and how long after a member leaves its keys reach the remaining member.
 * Uses a fresh prefix and deletes its topics afterwards.
 */
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const CALL = 100;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 20);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const RUN = `bench-${Date.now().toString(36)}`;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function throughput(bus: KafkaBus): Promise<void> {
  const topic = `${RUN}.tput`;
  let got = 0;
  let allIn!: () => void;
  const done = new Promise<void>((resolve) => (allIn = resolve));
  await bus.subscribe<{ n: number }>(topic, `${RUN}.g`, async (batch) => {
    got += batch.length;
    if (got >= N) allIn();
  });
  const pad = 'x'.repeat(120);
  const start = process.hrtime.bigint();
  let next = 0;
  const publisher = async () => {
    while (next < N) {
      const from = next;
      next += CALL;
      const msgs = [];
      for (let i = from; i < Math.min(N, from + CALL); i++) {
        msgs.push({ key: `acct-${i % 1000}`, value: { n: i, txnId: `T${i}`, amountPaise: 100 + i, pad } });
      }
      await bus.publish(topic, msgs);
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, publisher));
  const published = Number(process.hrtime.bigint() - start) / 1e6;
  await done;
  const total = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `publish+consume ${N} msgs: published in ${published.toFixed(0)} ms (${Math.round((N / published) * 1000)}/s), ` +
      `all consumed after ${total.toFixed(0)} ms → ${Math.round((N / total) * 1000)} msg/s end to end`,
  );
}

async function roundTrips(client: KafkaBus, server: KafkaBus): Promise<void> {
  const topic = `${RUN}.rpc`;
  await server.subscribe<number>(topic, `${RUN}.srv`, async (batch) => {
    await Promise.all(batch.map((e) => server.reply(e, e.value)));
  });
  for (let i = 0; i < 50; i++) await client.request(topic, `k${i}`, i, 10_000); // warm-up
  for (const inFlight of [1, 32]) {
    const lat: number[] = [];
    let next = 0;
    const start = Date.now();
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await client.request(topic, `k${i % 64}`, i, 10_000);
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const secs = (Date.now() - start) / 1000;
    lat.sort((a, b) => a - b);
    console.log(
      `request/reply, ${inFlight} in flight, ${REQUESTS} requests: p50 ${pct(lat, 50).toFixed(2)} ms, ` +
        `p99 ${pct(lat, 99).toFixed(2)} ms, max ${lat[lat.length - 1]!.toFixed(2)} ms, ${Math.round(REQUESTS / secs)} req/s`,
    );
  }
}

async function membership(bus: KafkaBus): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const topic = `${RUN}.join${round}`;
    const group = `${RUN}.jg${round}`;
    let t = Date.now();
    let a = 0;
    let b = 0;
    const subA = await bus.subscribe(topic, group, async (batch) => {
      a += batch.length;
    });
    const first = Date.now() - t;
    t = Date.now();
    await bus.subscribe(topic, group, async (batch) => {
      b += batch.length;
    });
    const second = Date.now() - t;
    await subA.close();
    t = Date.now();
    await bus.publish(
      topic,
      Array.from({ length: 64 }, (_, i) => ({ key: `k${i}`, value: i })),
    );
    while (b < 64) await new Promise((resolve) => setTimeout(resolve, 2));
    const handover = Date.now() - t;
    console.log(
      `subscribe, new group: ${first} ms; second member (rebalance): ${second} ms; ` +
        `after a member left, all keys delivered to the other within ${handover} ms (a=${a})`,
    );
  }
}

async function main(): Promise<void> {
  const bus = new KafkaBus({ brokers: BROKERS, instanceId: `${RUN}-a` });
  const server = new KafkaBus({ brokers: BROKERS, instanceId: `${RUN}-b` });
  try {
    const t0 = Date.now();
    await bus.start();
    await server.start();
    console.log(`two buses started in ${Date.now() - t0} ms`);
    await membership(bus);
    await throughput(bus);
    await roundTrips(bus, server);
  } finally {
    await bus.close();
    await server.close();
    const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.includes(RUN));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
