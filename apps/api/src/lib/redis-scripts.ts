import type { Redis } from 'ioredis';

/**
 * The API's Lua scripts, registered with ioredis `defineCommand`: each socket sends the
 * source once (EVAL), then only the SHA1 (EVALSHA), and ioredis re-sends the source by
 * itself after a NOSCRIPT (a restarted or flushed Redis). Sending the source on every call
 * was a third of the API's CPU on the replay path.
 */

/**
 * The fixed-window counter, as a chunk of Lua that leaves `current` and `ttl` (ms) set:
 * INCR, PEXPIRE on the first hit of a window. KEYS[1] is the counter, ARGV[1] the window in
 * ms. The one definition of the rate-limit logic: the scripts below that also do the
 * request's other lookup start with this same chunk.
 */
const RATE_LIMIT_CHUNK = `
local current = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ttl) else ttl = redis.call('PTTL', KEYS[1]) end
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end`;

/** Past the budget (ARGV[2] = max), the other lookup is skipped: a refused request takes no marker. */
const OVER_BUDGET_RETURNS = `
if current > tonumber(ARGV[2]) then return {current, ttl} end`;

/** Returns the count and the window's remaining ms. */
const RATE_LIMIT_INCR_LUA = `${RATE_LIMIT_CHUNK}
return {current, ttl}`;

/**
 * The idempotency fast path, as a chunk: the cached reply if there is one, otherwise try to
 * take the in-flight marker. `keys` and `args` name where the reply key, the marker key, the
 * owner token and the marker TTL (ms) are. Returns `{...before, 1, reply}` | `{...before, 2}`
 * (marker taken) | `{...before, 3}` (marker held by another request).
 */
function idempotencyBeginChunk(keys: [number, number], args: [number, number], before: string): string {
  const [reply, marker] = keys;
  const [owner, ttl] = args;
  const prefix = before === '' ? '' : `${before}, `;
  return `
local cached = redis.call('GET', KEYS[${reply}])
if cached then return {${prefix}1, cached} end
if redis.call('SET', KEYS[${marker}], ARGV[${owner}], 'PX', ARGV[${ttl}], 'NX') then return {${prefix}2} end
return {${prefix}3}`;
}

/** KEYS: reply, marker. ARGV: owner token, marker TTL ms. */
const IDEMPOTENCY_BEGIN_LUA = idempotencyBeginChunk([1, 2], [1, 2], '');

/**
 * A keyed write's whole fast path before its handler, in one round trip: the rate-limit
 * counter, then (within the budget) the idempotency begin. KEYS: counter, reply, marker.
 * ARGV: window ms, max, owner token, marker TTL ms. Returns {current, ttl[, code, reply]}.
 */
const RATE_LIMIT_IDEMPOTENCY_BEGIN_LUA = `${RATE_LIMIT_CHUNK}${OVER_BUDGET_RETURNS}${idempotencyBeginChunk(
  [2, 3],
  [3, 4],
  'current, ttl',
)}`;

/**
 * A history page's Redis work in one round trip: the rate-limit counter, then (within the
 * budget) the cached page. KEYS: counter, page. ARGV: window ms, max.
 * Returns {current, ttl[, page or false]}.
 */
const RATE_LIMIT_GET_LUA = `${RATE_LIMIT_CHUNK}${OVER_BUDGET_RETURNS}
return {current, ttl, redis.call('GET', KEYS[2])}`;

/**
 * The end of a keyed request in one round trip: store the reply (when ARGV[3] is not empty)
 * and drop the marker if this request still holds it (when ARGV[1] is not empty).
 * KEYS: reply, marker. ARGV: owner token or '', reply TTL s, reply or ''.
 */
const IDEMPOTENCY_FINISH_LUA = `
if ARGV[3] ~= '' then redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[2]) end
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1`;

const SCRIPTS = {
  walletRateLimitIncr: { numberOfKeys: 1, lua: RATE_LIMIT_INCR_LUA },
  walletIdempotencyBegin: { numberOfKeys: 2, lua: IDEMPOTENCY_BEGIN_LUA },
  walletIdempotencyFinish: { numberOfKeys: 2, lua: IDEMPOTENCY_FINISH_LUA },
  walletRateLimitIdempotencyBegin: { numberOfKeys: 3, lua: RATE_LIMIT_IDEMPOTENCY_BEGIN_LUA },
  walletRateLimitGet: { numberOfKeys: 2, lua: RATE_LIMIT_GET_LUA },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

export type IdempotencyBegin =
  { outcome: 'cached'; reply: string } | { outcome: 'acquired' } | { outcome: 'in_flight' };

/** A fixed-window count: hits so far in the window and the window's remaining ms. */
export interface Counted {
  current: number;
  ttl: number;
}

/** Typed calls of the scripts defined on one client. */
export interface ApiScripts {
  rateLimitIncr(key: string, windowMs: number): Promise<Counted>;
  /** The count, and the idempotency begin when the count is within `max` (else undefined). */
  rateLimitIdempotencyBegin(
    counterKey: string,
    windowMs: number,
    max: number,
    begin: { replyKey: string; markerKey: string; owner: string; markerTtlMs: number },
  ): Promise<Counted & { begun?: IdempotencyBegin }>;
  /** The count, and the cached value of `pageKey` (null: none) when the count is within `max`. */
  rateLimitGet(
    counterKey: string,
    windowMs: number,
    max: number,
    pageKey: string,
  ): Promise<Counted & { page?: string | null }>;
  idempotencyBegin(replyKey: string, markerKey: string, owner: string, markerTtlMs: number): Promise<IdempotencyBegin>;
  /** `owner` '' = do not touch the marker; `reply` null = store nothing. */
  idempotencyFinish(
    replyKey: string,
    markerKey: string,
    owner: string,
    replyTtlSeconds: number,
    reply: string | null,
  ): Promise<void>;
}

export function defineApiScripts(client: Redis): ApiScripts {
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
  const commands = client as unknown as Record<ScriptName, ScriptCall>;
  return {
    async rateLimitIncr(key, windowMs) {
      const [current, ttl] = (await commands.walletRateLimitIncr(key, windowMs)) as [number, number];
      return { current, ttl };
    },
    async idempotencyBegin(replyKey, markerKey, owner, markerTtlMs) {
      const [code, reply] = (await commands.walletIdempotencyBegin(replyKey, markerKey, owner, markerTtlMs)) as [
        number,
        unknown,
      ];
      return decodeBegin(code, reply);
    },
    async rateLimitIdempotencyBegin(counterKey, windowMs, max, begin) {
      const { replyKey, markerKey, owner, markerTtlMs } = begin;
      const args = [counterKey, replyKey, markerKey, windowMs, max, owner, markerTtlMs];
      const [current, ttl, code, reply] = (await commands.walletRateLimitIdempotencyBegin(...args)) as [
        number,
        number,
        number | undefined,
        unknown,
      ];
      return current > max ? { current, ttl } : { current, ttl, begun: decodeBegin(code, reply) };
    },
    async rateLimitGet(counterKey, windowMs, max, pageKey) {
      const [current, ttl, page] = (await commands.walletRateLimitGet(counterKey, pageKey, windowMs, max)) as [
        number,
        number,
        string | null | undefined,
      ];
      return current > max ? { current, ttl } : { current, ttl, page: page ?? null };
    },
    async idempotencyFinish(replyKey, markerKey, owner, replyTtlSeconds, reply) {
      await commands.walletIdempotencyFinish(replyKey, markerKey, owner, replyTtlSeconds, reply ?? '');
    },
  };
}

function decodeBegin(code: unknown, reply: unknown): IdempotencyBegin {
  if (code === 1 && typeof reply === 'string') return { outcome: 'cached', reply };
  if (code === 2) return { outcome: 'acquired' };
  if (code === 3) return { outcome: 'in_flight' };
  // Callers treat a Redis failure as "no fast path"; the database record still decides.
  throw new Error('unexpected idempotency script reply');
}
