import type { Redis } from 'ioredis';

/**
 * The API's Lua scripts, registered with ioredis `defineCommand`: each socket sends the
 * source once (EVAL), then only the SHA1 (EVALSHA), and ioredis re-sends the source by
 * itself after a NOSCRIPT (a restarted or flushed Redis). Sending the source on every call
 * was a third of the API's CPU on the replay path.
 */

/** INCR + PEXPIRE on the first hit of a window; returns the count and the window's remaining ms. */
const RATE_LIMIT_INCR_LUA = `
local current = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ttl) else ttl = redis.call('PTTL', KEYS[1]) end
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {current, ttl}`;

/**
 * The idempotency fast path in one round trip: the cached reply if there is one, otherwise
 * try to take the in-flight marker. KEYS: reply, marker. ARGV: owner token, marker TTL ms.
 * Returns {1, reply} | {2} (marker taken) | {3} (marker held by another request).
 */
const IDEMPOTENCY_BEGIN_LUA = `
local cached = redis.call('GET', KEYS[1])
if cached then return {1, cached} end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {2} end
return {3}`;

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
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

export type IdempotencyBegin =
  { outcome: 'cached'; reply: string } | { outcome: 'acquired' } | { outcome: 'in_flight' };

/** Typed calls of the scripts defined on one client. */
export interface ApiScripts {
  rateLimitIncr(key: string, windowMs: number): Promise<{ current: number; ttl: number }>;
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
      if (code === 1 && typeof reply === 'string') return { outcome: 'cached', reply };
      if (code === 2) return { outcome: 'acquired' };
      if (code === 3) return { outcome: 'in_flight' };
      // Callers treat a Redis failure as "no fast path"; the database record still decides.
      throw new Error('unexpected idempotency script reply');
    },
    async idempotencyFinish(replyKey, markerKey, owner, replyTtlSeconds, reply) {
      await commands.walletIdempotencyFinish(replyKey, markerKey, owner, replyTtlSeconds, reply ?? '');
    },
  };
}
