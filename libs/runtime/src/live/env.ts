import { InputError } from '../../../domain/src/input-error';

/**
 * Environment of a live-mode process (docs/live-mode.md lists every variable). Parsing is strict:
 * a bad value stops the process at start with a message naming the variable, never later.
 */
export class ConfigError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface CommonLiveConfig {
  /** Kafka bootstrap brokers (KAFKA_BROKERS, comma list of host:port). */
  readonly brokers: string[];
  /** REDIS_URL. */
  readonly redisUrl: string;
  /** UPI_SCENARIO: the scenario file every process builds the same topology from. */
  readonly scenarioFile: string;
  /** UPI_RUN_ID: namespaces Redis keys and Kafka topics. */
  readonly runId: string;
  /** PORT: HTTP port of this process (health, metrics, its API). */
  readonly port: number;
  /** HOST: address to bind; 127.0.0.1 unless told otherwise. */
  readonly host: string;
  /** UPI_ADMIN_TOKEN: bearer token for /admin routes; unset disables them. */
  readonly adminToken: string | undefined;
}

export const DEFAULTS = {
  brokers: '127.0.0.1:9092',
  redisUrl: 'redis://127.0.0.1:6390',
  runId: 'default',
  host: '127.0.0.1',
} as const;

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const RUN_ID = /^[A-Za-z0-9_-]{1,40}$/;
/** What a run id may be: it names Redis keys and Kafka topics (`<runId>.<topic>`), so no dots. */
export const RUN_ID_RULE = '1-40 characters of [A-Za-z0-9_-]';
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

export function readCommon(env: Env, defaultPort: number): CommonLiveConfig {
  const brokers = (env.KAFKA_BROKERS ?? DEFAULTS.brokers)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (brokers.length === 0) throw new ConfigError('KAFKA_BROKERS must list at least one host:port');
  for (const b of brokers)
    if (!HOST_PORT.test(b)) throw new ConfigError(`KAFKA_BROKERS: "${b}" is not host:port`);

  const redisUrl = env.REDIS_URL ?? DEFAULTS.redisUrl;
  if (!/^rediss?:\/\/.+/.test(redisUrl))
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);

  const scenarioFile = env.UPI_SCENARIO;
  if (!scenarioFile) throw new ConfigError('UPI_SCENARIO is required: the scenario file (YAML or JSON)');

  const runId = env.UPI_RUN_ID ?? DEFAULTS.runId;
  if (!isRunId(runId)) throw new ConfigError(`UPI_RUN_ID must be ${RUN_ID_RULE}, got "${runId}"`);

  return {
    brokers,
    redisUrl,
    scenarioFile,
    runId,
    port: readPort(env, 'PORT', defaultPort),
    host: env.HOST ?? DEFAULTS.host,
    adminToken: env.UPI_ADMIN_TOKEN || undefined,
  };
}

export function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new ConfigError(`${name} must be a TCP port (1-65535), got "${raw}"`);
  return n;
}

/** A comma list of ids, each one of `known`; unset or empty means all of them. */
export function readIdList(env: Env, name: string, known: readonly string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [...known];
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length)
    throw new ConfigError(`${name}: unknown ${unknown.join(', ')} (the scenario has ${known.join(', ')})`);
  if (new Set(ids).size !== ids.length) throw new ConfigError(`${name} lists an id twice: ${raw}`);
  return ids;
}

/** Redis key prefixes of one run, shared by the processes and the live runner's read-back. */
export function runKeys(runId: string): { ledger: string; idempotency: string; clearing: string } {
  return {
    ledger: `upi:${runId}:ledger`,
    idempotency: `upi:${runId}:idem`,
    clearing: `upi:${runId}:clearing`,
  };
}
