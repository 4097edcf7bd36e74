import { logLevel, type LogEntry, type logCreator } from 'kafkajs';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaLogLine {
  readonly level: KafkaLogLevel;
  readonly namespace: string;
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

export const KAFKA_LOG_LEVELS: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

const NAMES = new Map<logLevel, KafkaLogLevel>(
  Object.entries(KAFKA_LOG_LEVELS).map(([name, level]) => [level, name as KafkaLogLevel]),
);

/**
 * Lines kafkajs logs as errors/warnings during normal operation of this bus: a member rejoining
 * after a rebalance, and the warning about the bounded retries we chose for the idempotent
 * producer (so a dead broker fails `publish` instead of retrying forever). Shown at 'info' only.
 */
const EXPECTED = [
  /group is rebalancing/i,
  /rebalance in progress/i,
  /generation id is not valid/i,
  /Topic creation errors/, // TOPIC_ALREADY_EXISTS: createTopics then returns false; real errors are thrown
  /Limiting retries for the idempotent producer/,
];

function defaultSink(line: KafkaLogLine): void {
  const text = `kafkajs ${line.level} [${line.namespace}] ${line.message}`;
  const detail = line.extra.error ?? line.extra.groupId ?? '';
  if (line.level === 'error') console.error(text, detail);
  else console.warn(text, detail);
}

/** A kafkajs logCreator that demotes expected noise to 'info' and forwards to `sink`. */
export function kafkaLogCreator(
  level: KafkaLogLevel,
  sink: (line: KafkaLogLine) => void = defaultSink,
): logCreator {
  const threshold = KAFKA_LOG_LEVELS[level];
  return () =>
    ({ namespace, level: entryLevel, log }: LogEntry) => {
      const { message, timestamp: _t, logger: _l, ...extra } = log as typeof log & { logger?: string };
      let effective = entryLevel;
      if (
        effective <= logLevel.WARN &&
        EXPECTED.some((re) => re.test(message) || re.test(String(extra.error ?? '')))
      ) {
        effective = logLevel.INFO;
      }
      if (effective > threshold || threshold === logLevel.NOTHING) return;
      sink({ level: NAMES.get(effective) ?? 'info', namespace, message, extra });
    };
}
