import Redis, { type RedisOptions } from 'ioredis';
import type {
  AccountOpening,
  AccountView,
  BankTotals,
  LedgerOp,
  LedgerOpResult,
  LedgerStore,
  LedgerSummary,
  RecordState,
} from './ledger-store';
import { ACCOUNTS_LUA, APPLY_LUA, CODE, KIND_CODE, OPEN_LUA, SUMMARY_LUA } from './redis-ledger.lua';
import { LedgerInputError, validateOpenings, validateOps } from './validate';

export interface RedisLedgerOptions {
  /**
   * Namespace of this ledger's keys, e.g. `upi:BANK1` or a fresh id per test. Several ledgers share
   * one Redis under different prefixes; keys are `{prefix}:…` so one ledger sits in one cluster slot.
   */
  readonly prefix: string;
  /** A connection to use (not closed by `close()`); otherwise one is opened from `url`/`redisOptions`. */
  readonly redis?: Redis;
  /** Default redis://127.0.0.1:6390 (the project's instance, see infra/redis/redis.sh). */
  readonly url?: string;
  readonly redisOptions?: RedisOptions;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6390';

/** The scripts as ioredis custom commands: one EVALSHA each, falling back to EVAL once per connection. */
interface LedgerCommands {
  // ioredis flattens array arguments; an array (not a spread) keeps huge batches off the JS stack.
  ledgerApply(sumKey: string, base: string, args: string[]): Promise<number[]>;
  ledgerOpen(sumKey: string, base: string, args: string[]): Promise<string>;
  ledgerAccounts(orderKey: string, base: string, last: number): Promise<(string | null)[]>;
  ledgerSummary(sumKey: string, base: string): Promise<string[]>;
}
type ScriptedRedis = Redis & LedgerCommands;

const result = (outcome: LedgerOpResult['outcome'], replay: boolean): LedgerOpResult =>
  Object.freeze({ outcome, replay });
/** Indexed by the scripts' result codes (CODE). */
const RESULTS: readonly LedgerOpResult[] = [
  result('OK', false),
  result('OK', true),
  result('INSUFFICIENT_FUNDS', false),
  result('INSUFFICIENT_FUNDS', true),
  result('NO_ACCOUNT', false),
  result('REFUSED', false),
];
if (RESULTS.length !== Object.keys(CODE).length) throw new Error('RESULTS out of step with CODE');

/**
 * The LedgerStore of live mode: one bank's ledger in Redis, every mutation a Lua script. `apply` sends
 * the whole batch as one script call (one round trip, applied in order, atomically as a whole), with
 * the transition table of ledger-store.ts. Durability is the server's: run it with appendfsync always
 * (infra/redis/redis.sh does), so an acknowledged apply survives a crash.
 */
export class RedisLedger implements LedgerStore {
  private readonly redis: ScriptedRedis;
  private readonly owned: boolean;
  /** `{prefix}:`: every key of this ledger starts with it. */
  private readonly base: string;
  private readonly sumKey: string;

  constructor(opts: RedisLedgerOptions) {
    const prefix = opts.prefix;
    if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
      throw new LedgerInputError(
        `prefix must be a non-empty string without braces, got ${JSON.stringify(prefix)}`,
      );
    }
    this.base = `{${prefix}}:`;
    this.sumKey = `${this.base}sum`;
    this.owned = !opts.redis;
    const redis =
      opts.redis ??
      new Redis(opts.url ?? DEFAULT_REDIS_URL, { enableAutoPipelining: true, ...opts.redisOptions });
    defineLedgerCommands(redis);
    this.redis = redis as ScriptedRedis;
  }

  /** The connection, e.g. to share it with another store. */
  get connection(): Redis {
    return this.redis;
  }

  async open(accounts: readonly AccountOpening[]): Promise<void> {
    validateOpenings(accounts);
    if (accounts.length === 0) return;
    const args: string[] = [];
    for (const a of accounts) args.push(a.account, a.bank, a.vpa, String(a.balancePaise));
    const existing = await this.redis.ledgerOpen(this.sumKey, this.base, args);
    if (existing !== '') throw new LedgerInputError(`account ${existing} already exists`);
  }

  async apply(ops: readonly LedgerOp[]): Promise<LedgerOpResult[]> {
    validateOps(ops);
    if (ops.length === 0) return [];
    const args = new Array<string>(ops.length * 4);
    for (let i = 0, j = 0; i < ops.length; i++) {
      const op = ops[i]!;
      args[j++] = String(KIND_CODE[op.kind]);
      args[j++] = op.txnId;
      args[j++] = op.account;
      args[j++] = String(op.amountPaise);
    }
    const codes = await this.redis.ledgerApply(this.sumKey, this.base, args);
    if (codes.length !== ops.length) {
      throw new Error(`ledger script answered ${codes.length} results for ${ops.length} ops`);
    }
    return codes.map((c) => {
      const r = RESULTS[c];
      if (!r) throw new Error(`ledger script answered unknown code ${String(c)}`);
      return r;
    });
  }

  async account(account: string): Promise<AccountView | null> {
    const [bank, vpa, av, hd] = await this.redis.hmget(`${this.base}a:${account}`, 'b', 'v', 'av', 'hd');
    if (bank === null || bank === undefined) return null;
    return { account, bank, vpa: vpa!, availablePaise: int(av), heldPaise: int(hd) };
  }

  async accounts(filter: { bank?: string; limit?: number }): Promise<AccountView[]> {
    const limit = filter?.limit;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      throw new LedgerInputError(`limit must be a non-negative integer, got ${String(limit)}`);
    }
    if (limit === 0) return [];
    const order = filter?.bank === undefined ? `${this.base}o` : `${this.base}bo:${filter.bank}`;
    const flat = await this.redis.ledgerAccounts(order, this.base, limit === undefined ? -1 : limit - 1);
    const out: AccountView[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) {
      out.push({
        account: flat[i]!,
        bank: flat[i + 1]!,
        vpa: flat[i + 2]!,
        availablePaise: int(flat[i + 3]),
        heldPaise: int(flat[i + 4]),
      });
    }
    return out;
  }

  async record(txnId: string, side: 'DEBIT' | 'CREDIT'): Promise<RecordState> {
    if (side === 'CREDIT') {
      return (await this.redis.exists(`${this.base}c:${txnId}`)) === 1 ? 'CREDITED' : 'NONE';
    }
    const s = await this.redis.hget(`${this.base}d:${txnId}`, 's');
    return (s as RecordState | null) ?? 'NONE';
  }

  async summary(): Promise<LedgerSummary> {
    const flat = await this.redis.ledgerSummary(this.sumKey, this.base);
    const perBank: Record<string, BankTotals> = {};
    for (let i = 4; i + 3 < flat.length; i += 4) {
      perBank[flat[i]!] = {
        accounts: int(flat[i + 1]),
        availablePaise: int(flat[i + 2]),
        heldPaise: int(flat[i + 3]),
      };
    }
    return {
      openingPaise: int(flat[0]),
      availablePaise: int(flat[1]),
      heldPaise: int(flat[2]),
      accounts: int(flat[3]),
      perBank,
    };
  }

  /** Deletes every key of this ledger (and only this ledger's), leaving it empty. */
  async flush(): Promise<void> {
    const pattern = `${escapeGlob(this.base)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Closes the connection if this ledger opened it; a connection passed in stays open. */
  async close(): Promise<void> {
    if (this.owned && this.redis.status !== 'end') await this.redis.quit();
  }
}

/** Registers the ledger scripts on a connection (idempotent: a shared connection is set up once). */
function defineLedgerCommands(redis: Redis): void {
  if ((redis as Partial<LedgerCommands>).ledgerApply) return;
  redis.defineCommand('ledgerApply', { numberOfKeys: 1, lua: APPLY_LUA });
  redis.defineCommand('ledgerOpen', { numberOfKeys: 1, lua: OPEN_LUA });
  redis.defineCommand('ledgerAccounts', { numberOfKeys: 1, lua: ACCOUNTS_LUA });
  redis.defineCommand('ledgerSummary', { numberOfKeys: 1, lua: SUMMARY_LUA });
}

/** A Redis integer reply or counter; the ledger stores nothing else in these fields. */
function int(v: string | number | null | undefined): number {
  const n = Number(v ?? 0);
  if (!Number.isSafeInteger(n)) throw new Error(`ledger holds a non-integer or unsafe amount: ${String(v)}`);
  return n;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
