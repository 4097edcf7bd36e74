import {
  DEFAULT_IDEMPOTENCY_TTL_MS,
  type Claim,
  type IdempotencyStore,
  type StoredAnswer,
} from './idempotency';

/**
 * The part of an ioredis connection this store uses. psp is a core and never imports ioredis (lint
 * forbids it): the live-mode app opens the connection (`new Redis(url, { enableAutoPipelining: true })`)
 * and passes it in; an ioredis `Redis` satisfies this interface as it is.
 */
export interface IdempotencyRedis {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX', get: 'GET'): Promise<string | null>;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

export interface RedisIdempotencyOptions {
  /** The connection; shared with the rest of the process, so the store never closes it. */
  readonly redis: IdempotencyRedis;
  /** Namespace of the keys (`<prefix><Idempotency-Key>`), so PSPs of one run share it and runs do not. */
  readonly prefix: string;
  /** How long a key is remembered after its last write. Default 24 h. */
  readonly ttlMs?: number;
}

/**
 * Stored value: the JSON array [fingerprint, txnId] while in flight, [fingerprint, txnId, answer] once
 * answered. The fingerprint comparison and the rewrite happen in the script, so a complete never
 * overwrites a key that expired or was claimed by another body in between.
 * KEYS[1] = key; ARGV = fingerprint, answer JSON, ttl ms. Returns 1 if stored, 0 if ignored.
 */
const COMPLETE_LUA = `#!lua
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local v = cjson.decode(cur)
if v[1] ~= ARGV[1] then return 0 end
-- Only the two strings are re-encoded; the answer is spliced in verbatim (cjson would round numbers).
redis.call('SET', KEYS[1], '[' .. cjson.encode(v[1]) .. ',' .. cjson.encode(v[2]) .. ',' .. ARGV[2] .. ']', 'PX', ARGV[3], 'XX')
return 1
`;

/** KEYS[1] = key; ARGV = the exact in-flight value [fingerprint, txnId]. Deletes only that value. */
const RELEASE_LUA = `#!lua
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface IdempotencyCommands {
  idemComplete(key: string, fingerprint: string, answer: string, ttlMs: number): Promise<number>;
  idemRelease(key: string, value: string): Promise<number>;
}
type ScriptedRedis = IdempotencyRedis & IdempotencyCommands;

type Stored = [fingerprint: string, txnId: string, answer?: StoredAnswer];

/**
 * IdempotencyStore in Redis, shared by every PSP process of a run. `claim` is one `SET key value NX PX
 * ttl GET` (Redis ≥ 7.0): it either claims the key or returns what holds it, atomically, in one round
 * trip. `complete` is a short script: compare the fingerprint, then `SET … XX PX ttl`.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: ScriptedRedis;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(opts: RedisIdempotencyOptions) {
    const ttl = opts.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new RangeError(`ttlMs must be a positive integer (Redis PX), got ${ttl}`);
    }
    if (typeof opts.prefix !== 'string' || opts.prefix.length === 0) {
      throw new RangeError('prefix must be a non-empty string');
    }
    this.prefix = opts.prefix;
    this.ttlMs = ttl;
    const redis = opts.redis;
    // A shared connection may already carry the command (another store on it defined it).
    if (!(redis as Partial<ScriptedRedis>).idemComplete) {
      redis.defineCommand('idemComplete', { numberOfKeys: 1, lua: COMPLETE_LUA });
    }
    if (!(redis as Partial<ScriptedRedis>).idemRelease) {
      redis.defineCommand('idemRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    }
    this.redis = redis as ScriptedRedis;
  }

  async claim(key: string, fingerprint: string, txnId: string): Promise<Claim> {
    const value = JSON.stringify([fingerprint, txnId] satisfies Stored);
    const prev = await this.redis.set(this.prefix + key, value, 'PX', this.ttlMs, 'NX', 'GET');
    if (prev === null) return { kind: 'NEW' };
    const [fp, owner, answer] = JSON.parse(prev) as Stored;
    if (fp !== fingerprint) return { kind: 'CONFLICT' };
    return answer ? { kind: 'DONE', txnId: owner, answer } : { kind: 'IN_FLIGHT', txnId: owner };
  }

  async complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    await this.redis.idemComplete(this.prefix + key, fingerprint, JSON.stringify(answer), this.ttlMs);
  }

  async release(key: string, fingerprint: string, txnId: string): Promise<void> {
    // The claim wrote exactly this string, so comparing it checks fingerprint, txnId and "no answer" at once.
    await this.redis.idemRelease(this.prefix + key, JSON.stringify([fingerprint, txnId] satisfies Stored));
  }
}
