/**
 * Lua for RedisLedger. Scripts run atomically but cannot roll back, so every op checks all it needs
 * (record, account, balance) before its first write, and the whole batch is validated in TypeScript
 * before it is sent. The `#!lua` shebang makes Redis 7 refuse a script outright when the server is out
 * of memory (noeviction), instead of failing at its first write halfway through a batch.
 *
 * Keys (B = the ledger's base, `{prefix}:`; the hash tag keeps one ledger in one cluster slot):
 *   B sum            hash  op (opening), av (available), hd (held), n (accounts)
 *   B banks          set   bank codes
 *   B b:<bank>       hash  n, av, hd
 *   B o              list  account ids in opening order
 *   B bo:<bank>      list  the bank's account ids in opening order
 *   B a:<account>    hash  b (bank), v (vpa), av, hd
 *   B d:<txnId>      hash  s (debit-side state), m (amount), a (account; absent for a tombstone)
 *   B c:<txnId>      string "1" once CREDITED
 * Keys are built inside the scripts from B (passed as the one declared key's prefix), because which
 * account a CAPTURE touches is only known from its record.
 *
 * Numbers: Redis does the arithmetic (HINCRBY, 64-bit integers); Lua only compares a balance with an
 * amount, and Lua numbers are doubles, exact up to 2^53. validateOps caps every amount at
 * Number.MAX_SAFE_INTEGER, and JavaScript paise cannot hold more, so balances must stay below 2^53.
 */

/** Result codes shared with redis-ledger.ts. */
export const CODE = {
  OK: 0,
  OK_REPLAY: 1,
  INSUFFICIENT: 2,
  INSUFFICIENT_REPLAY: 3,
  NO_ACCOUNT: 4,
  REFUSED: 5,
} as const;

/** Kind codes shared with redis-ledger.ts. */
export const KIND_CODE = {
  HOLD: 1,
  CAPTURE: 2,
  RELEASE: 3,
  DEBIT: 4,
  REVERSE_DEBIT: 5,
  CHECK: 6,
  CREDIT: 7,
} as const;

/** KEYS[1] = B..'sum'; ARGV[1] = B; then (kind, txnId, account, amount) per op. Returns one code per op. */
export const APPLY_LUA = `#!lua
local B = ARGV[1]
local SUM = KEYS[1]
local OK, OK_REPLAY, INSUF, INSUF_REPLAY, NO_ACCOUNT, REFUSED = 0, 1, 2, 3, 4, 5

local function moveAvail(akey, bank, d)
  redis.call('HINCRBY', akey, 'av', d)
  redis.call('HINCRBY', B .. 'b:' .. bank, 'av', d)
  redis.call('HINCRBY', SUM, 'av', d)
end

local function moveHeld(akey, bank, d)
  redis.call('HINCRBY', akey, 'hd', d)
  redis.call('HINCRBY', B .. 'b:' .. bank, 'hd', d)
  redis.call('HINCRBY', SUM, 'hd', d)
end

-- HOLD or DEBIT from NONE: NO_ACCOUNT, a recorded decline, or the move.
local function take(dkey, acct, amt, state)
  local akey = B .. 'a:' .. acct
  local a = redis.call('HMGET', akey, 'b', 'av')
  if not a[1] then return NO_ACCOUNT end
  if tonumber(a[2]) < amt then
    redis.call('HSET', dkey, 's', 'DECLINED', 'm', 0, 'a', acct)
    return INSUF
  end
  redis.call('HSET', dkey, 's', state, 'm', amt, 'a', acct)
  moveAvail(akey, a[1], -amt)
  if state == 'HELD' then moveHeld(akey, a[1], amt) end
  return OK
end

-- The recorded account's hash key and bank (a record with money always names an existing account).
local function owner(acct)
  local akey = B .. 'a:' .. acct
  return akey, redis.call('HGET', akey, 'b')
end

local function debitSide(kind, txn, acct, amt)
  local dkey = B .. 'd:' .. txn
  local r = redis.call('HMGET', dkey, 's', 'm', 'a')
  local s = r[1]
  if kind == 1 then -- HOLD
    if not s then return take(dkey, acct, amt, 'HELD') end
    if s == 'HELD' or s == 'CAPTURED' then return OK_REPLAY end
    if s == 'DECLINED' then return INSUF_REPLAY end
    return REFUSED
  elseif kind == 4 then -- DEBIT
    if not s then return take(dkey, acct, amt, 'DEBITED') end
    if s == 'DEBITED' then return OK_REPLAY end
    if s == 'DECLINED' then return INSUF_REPLAY end
    return REFUSED
  elseif kind == 2 then -- CAPTURE
    if s == 'CAPTURED' then return OK_REPLAY end
    if s ~= 'HELD' then return REFUSED end
    local akey, bank = owner(r[3])
    redis.call('HSET', dkey, 's', 'CAPTURED')
    moveHeld(akey, bank, -tonumber(r[2]))
    return OK
  elseif kind == 3 then -- RELEASE
    if not s or s == 'DECLINED' then
      redis.call('HSET', dkey, 's', 'RELEASED', 'm', 0)
      return OK
    end
    if s == 'RELEASED' then return OK_REPLAY end
    if s ~= 'HELD' then return REFUSED end
    local akey, bank = owner(r[3])
    local m = tonumber(r[2])
    redis.call('HSET', dkey, 's', 'RELEASED')
    moveHeld(akey, bank, -m)
    moveAvail(akey, bank, m)
    return OK
  else -- REVERSE_DEBIT
    if not s or s == 'DECLINED' then
      redis.call('HSET', dkey, 's', 'REVERSED', 'm', 0)
      return OK
    end
    if s == 'REVERSED' then return OK_REPLAY end
    if s ~= 'DEBITED' then return REFUSED end
    local akey, bank = owner(r[3])
    redis.call('HSET', dkey, 's', 'REVERSED')
    moveAvail(akey, bank, tonumber(r[2]))
    return OK
  end
end

local function creditSide(kind, txn, acct, amt)
  local akey = B .. 'a:' .. acct
  if kind == 6 then -- CHECK
    if redis.call('EXISTS', akey) == 1 then return OK end
    return NO_ACCOUNT
  end
  local ckey = B .. 'c:' .. txn
  if redis.call('EXISTS', ckey) == 1 then return OK_REPLAY end
  local bank = redis.call('HGET', akey, 'b')
  if not bank then return NO_ACCOUNT end
  redis.call('SET', ckey, '1')
  moveAvail(akey, bank, amt)
  return OK
end

local out = {}
local i = 2
while i <= #ARGV do
  local kind = tonumber(ARGV[i])
  if kind >= 6 then
    out[#out + 1] = creditSide(kind, ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]))
  else
    out[#out + 1] = debitSide(kind, ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]))
  end
  i = i + 4
end
return out
`;

/**
 * KEYS[1] = B..'sum'; ARGV[1] = B; then (account, bank, vpa, balance) per account. Opens all or none:
 * returns '' on success, else the id of an account that already exists.
 */
export const OPEN_LUA = `#!lua
local B = ARGV[1]
local SUM = KEYS[1]
for i = 2, #ARGV, 4 do
  if redis.call('EXISTS', B .. 'a:' .. ARGV[i]) == 1 then return ARGV[i] end
end
for i = 2, #ARGV, 4 do
  local acct, bank, vpa, bal = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  redis.call('HSET', B .. 'a:' .. acct, 'b', bank, 'v', vpa, 'av', bal, 'hd', 0)
  redis.call('RPUSH', B .. 'o', acct)
  redis.call('RPUSH', B .. 'bo:' .. bank, acct)
  redis.call('SADD', B .. 'banks', bank)
  local bkey = B .. 'b:' .. bank
  redis.call('HINCRBY', bkey, 'n', 1)
  redis.call('HINCRBY', bkey, 'av', bal)
  redis.call('HINCRBY', bkey, 'hd', 0)
  redis.call('HINCRBY', SUM, 'n', 1)
  redis.call('HINCRBY', SUM, 'op', bal)
  redis.call('HINCRBY', SUM, 'av', bal)
end
return ''
`;

/**
 * KEYS[1] = the order list (all accounts or one bank's); ARGV[1] = B, ARGV[2] = last index (-1 for all).
 * Returns (account, bank, vpa, available, held) flattened, in opening order.
 */
export const ACCOUNTS_LUA = `#!lua flags=no-writes
local B = ARGV[1]
local ids = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local a = redis.call('HMGET', B .. 'a:' .. id, 'b', 'v', 'av', 'hd')
  out[#out + 1] = id
  out[#out + 1] = a[1]
  out[#out + 1] = a[2]
  out[#out + 1] = a[3]
  out[#out + 1] = a[4]
end
return out
`;

/**
 * KEYS[1] = B..'sum'; ARGV[1] = B. Returns opening, available, held, accounts, then
 * (bank, accounts, available, held) per bank. Missing counters read as '0'.
 */
export const SUMMARY_LUA = `#!lua flags=no-writes
local B = ARGV[1]
local function z(v) if v then return v end return '0' end
local s = redis.call('HMGET', KEYS[1], 'op', 'av', 'hd', 'n')
local out = { z(s[1]), z(s[2]), z(s[3]), z(s[4]) }
for _, bank in ipairs(redis.call('SMEMBERS', B .. 'banks')) do
  local b = redis.call('HMGET', B .. 'b:' .. bank, 'n', 'av', 'hd')
  out[#out + 1] = bank
  out[#out + 1] = z(b[1])
  out[#out + 1] = z(b[2])
  out[#out + 1] = z(b[3])
end
return out
`;
