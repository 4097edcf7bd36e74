// Kafka smoke checks through kafkajs (the client the apps use). Each step throws on a mismatch.
//   node infra/kafka/smoke.js create  BOOTSTRAP TOPIC PARTITIONS RF
//   node infra/kafka/smoke.js produce BOOTSTRAP TOPIC FROM COUNT     values TOPIC-FROM … (acks=all)
//   node infra/kafka/smoke.js txn     BOOTSTRAP TOPIC FROM COUNT     commits FROM…, aborts the next COUNT
//   node infra/kafka/smoke.js consume BOOTSTRAP TOPIC GROUP FROM COUNT
//     consumes with consumer group GROUP (from the earliest offset if it has none committed) and
//     requires exactly the values FROM … FROM+COUNT-1, each once, and nothing more.
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const TIMEOUT_MS = Number(process.env.KAFKA_SMOKE_TIMEOUT_MS || 30000);
// After the expected messages, wait this long for unexpected extra ones (duplicates, old data).
const QUIET_MS = 1000;

const client = (bootstrap) =>
  new Kafka({ clientId: 'upi-kafka-smoke', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });

const value = (topic, i) => `${topic}-${i}`;

async function create(bootstrap, topic, partitions, rf) {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      // kafkajs gives up on the first "does not host this topic-partition" from a broker that has
      // not caught up yet; the loop below waits for the leaders instead.
      waitForLeaders: false,
      topics: [{ topic, numPartitions: Number(partitions), replicationFactor: Number(rf) }],
    });
    // In a fresh cluster the other brokers learn of the topic a moment later: retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const parts = meta.topics[0].partitions;
        const led = parts.filter((p) => p.leader >= 0 && p.replicas.length === Number(rf)).length;
        if (parts.length === Number(partitions) && led === parts.length) break;
        throw new Error(
          `${topic}: ${led}/${parts.length} partitions led with RF ${rf}, wanted ${partitions}`,
        );
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    console.log(`created ${topic}: ${partitions} partitions, RF ${rf}`);
  } finally {
    await admin.disconnect();
  }
}

async function produce(bootstrap, topic, from, count) {
  const producer = client(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const messages = [];
    for (let i = Number(from); i < Number(from) + Number(count); i++) {
      messages.push({ key: `k${i}`, value: value(topic, i) });
    }
    await producer.send({ topic, acks: -1, messages });
    console.log(`produced ${count} to ${topic} (from ${from})`);
  } finally {
    await producer.disconnect();
  }
}

// One committed and one aborted transaction: a read_committed consumer (kafkajs' default) must see
// only the committed values. Needs a transaction coordinator (__transaction_state) that fits the
// cluster's size.
async function txn(bootstrap, topic, from, count) {
  const producer = client(bootstrap).producer({
    transactionalId: `${topic}-tx`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const messages = (start) =>
      Array.from({ length: Number(count) }, (_, k) => ({ value: value(topic, start + k) }));
    const committed = await producer.transaction();
    await committed.send({ topic, acks: -1, messages: messages(Number(from)) });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, acks: -1, messages: messages(Number(from) + Number(count)) });
    await aborted.abort();
    console.log(`committed ${count} and aborted ${count} in transactions on ${topic}`);
  } finally {
    await producer.disconnect();
  }
}

async function consume(bootstrap, topic, group, from, count) {
  const want = new Set();
  for (let i = Number(from); i < Number(from) + Number(count); i++) want.add(value(topic, i));
  const seen = new Set();
  const problems = [];
  const consumer = client(bootstrap).consumer({ groupId: group, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    // The quiet period only proves "nothing more" once the consumer owns its partitions.
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.subscribe({ topic, fromBeginning: true });
    let done;
    const all = new Promise((resolve) => (done = resolve));
    if (want.size === 0) done();
    await consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value.toString();
        if (!want.has(v)) problems.push(`unexpected ${v}`);
        else if (seen.has(v)) problems.push(`duplicate ${v}`);
        seen.add(v);
        if (seen.size >= want.size && [...want].every((w) => seen.has(w))) done();
      },
    });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timeout: ${seen.size}/${want.size} of ${topic} consumed by ${group}`)),
        TIMEOUT_MS,
      );
    });
    await Promise.race([Promise.all([joined, all]), timeout]).finally(() => clearTimeout(timer));
    await new Promise((r) => setTimeout(r, QUIET_MS));
  } finally {
    // Disconnect commits the consumed offsets, so the group resumes after them next time.
    await consumer.disconnect();
  }
  if (problems.length > 0) throw new Error(`${topic}/${group}: ${problems.slice(0, 5).join(', ')}`);
  console.log(`consumed ${seen.size} from ${topic} with group ${group} (from ${from})`);
}

const [cmd, ...args] = process.argv.slice(2);
const steps = { create, produce, txn, consume };
if (!steps[cmd]) {
  console.error('usage: smoke.js create|produce|txn|consume BOOTSTRAP TOPIC …');
  process.exit(2);
}
steps[cmd](...args).then(
  () => process.exit(0),
  (err) => {
    console.error(`smoke ${cmd} failed: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
