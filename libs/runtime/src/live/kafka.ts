import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../../../transport/src/kafka-bus';
import { isRunTopic } from './run-scoped-bus';
import type { CommonLiveConfig } from './env';

/** One live process's connection to the broker, started, with the settings every process shares. */
export async function startProcessBus(
  cfg: CommonLiveConfig,
  service: string,
  instance: string,
  /** The consumer-lag gauge's hook (libs/metrics registerKafkaLag). */
  onConsumerLag?: (topic: string, partition: number, lag: number) => void,
): Promise<KafkaBus> {
  const kafka = new KafkaBus({
    brokers: cfg.brokers,
    clientId: `upi-${service}`,
    instanceId: `${cfg.runId}-${instance}`,
    // minBytes is 1, so a fetch returns as soon as data arrives: a long wait costs no latency, and a
    // short one makes every idle consumer poll the broker hundreds of times a second.
    maxWaitTimeMs: 100,
    // One OffsetCommit per 20 ms per consumer instead of one per fetch: fewer broker requests at high
    // rates; a crash redelivers at most that much more (every handler here is idempotent).
    commitLingerMs: 20,
    ...(onConsumerLag ? { onConsumerLag } : {}),
  });
  await kafka.start();
  return kafka;
}

/**
 * Deletes a run's topics from the broker (`isRunTopic`: its own and its processes' reply topics), so
 * a broker that outlives many stacks does not collect them. Returns the names deleted.
 */
export async function deleteRunTopics(brokers: readonly string[], runId: string): Promise<string[]> {
  const admin = new Kafka({
    brokers: [...brokers],
    clientId: 'upi-lab',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 2 },
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => isRunTopic(runId, t));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    return topics;
  } finally {
    await admin.disconnect();
  }
}
