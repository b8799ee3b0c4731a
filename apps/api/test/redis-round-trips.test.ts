// A replay and a cached history page cost one Redis round trip (the rate limit and the lookup in one script), counted server-side with INFO commandstats on a private redis-server; the rate limit keeps its behaviour through those scripts (budget, 429 with Retry-After, no marker past the budget, refusals counted) and falls back per process when Redis is gone.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { build, freePort, post, problemOf, type TeardownHost } from './helper.js';
import { startRedis, stopRedis } from './redis-server.js';

/** What one round trip of a rate-limit-and-lookup script runs (INCR + PTTL in a started window, then GET). */
const ONE_SCRIPT = { evalsha: 1, incr: 1, pttl: 1, get: 1 };

/** Calls per command since the server started, from INFO commandstats (INFO itself left out). */
async function commandCalls(probe: Redis): Promise<Map<string, number>> {
  const info = await probe.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

/**
 * The commands the server ran while `action` ran, by name (only those that ran). Redis 7
 * counts the commands a script runs as well as the script's EVALSHA: one round trip that
 * counts the rate limit and looks up a value reads {evalsha: 1, incr: 1, pttl: 1, get: 1}.
 */
async function commandsDuring(probe: Redis, action: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await commandCalls(probe);
  await action();
  const after = await commandCalls(probe);
  const ran: Record<string, number> = {};
  for (const [name, count] of after) if (count > (before.get(name) ?? 0)) ran[name] = count - (before.get(name) ?? 0);
  return ran;
}

async function privateRedis(t: TeardownHost): Promise<{ url: string; probe: Redis; stop: () => Promise<void> }> {
  const port = await freePort();
  const server = await startRedis(port);
  t.teardown(() => stopRedis(server));
  const probe = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  t.teardown(() => probe.disconnect());
  return { url: `redis://127.0.0.1:${port}`, probe, stop: () => stopRedis(server) };
}

t.test('a replay is one Redis command; a cached first or deep history page is one Redis command', async (t) => {
  const redis = await privateRedis(t);
  const { app, auth, wallet } = await build(t, { redisUrl: redis.url, env: { HISTORY_CACHE_TTL_SECONDS: '600' } });
  const id = await wallet('alice', 'USD', 1000);
  const headers = auth('alice', { 'idempotency-key': randomUUID() });
  const first = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 5 });
  t.equal(first.statusCode, 200);

  let replay = first;
  const replayCommands = await commandsDuring(redis.probe, async () => {
    replay = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 5 });
  });
  t.equal(replay.headers['idempotent-replayed'], 'true', 'answered from the Redis fast path');
  t.equal(replay.body, first.body);
  t.same(replayCommands, ONE_SCRIPT, 'one script: rate limit and cached reply together');

  const url = `/api/transactions?walletId=${id}&limit=1`;
  const miss = await app.inject({ url, headers: auth('alice') });
  t.equal(miss.statusCode, 200);
  let hit = miss;
  t.same(
    await commandsDuring(redis.probe, async () => {
      hit = await app.inject({ url, headers: auth('alice') });
    }),
    ONE_SCRIPT,
    'a cached first page: one script, rate limit and page together',
  );
  t.equal(hit.body, miss.body);
  t.ok(Number(hit.headers['x-ratelimit-remaining']) >= 0, 'rate-limit headers on a hit');

  const deepUrl = `${url}&cursor=${encodeURIComponent(miss.json().nextCursor)}`;
  const deep = await app.inject({ url: deepUrl, headers: auth('alice') });
  t.equal(deep.statusCode, 200);
  t.same(
    await commandsDuring(redis.probe, () => app.inject({ url: deepUrl, headers: auth('alice') })),
    ONE_SCRIPT,
    'a cached cursor page: one script',
  );
});

t.test('the write budget through the combined script: 429 with Retry-After, no marker taken past it', async (t) => {
  const redis = await privateRedis(t);
  const { app, auth, wallet, prefix } = await build(t, {
    redisUrl: redis.url,
    env: { RATE_LIMIT_MAX: '100', RATE_LIMIT_WRITE_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' },
  });
  const id = await wallet('alice');
  const headers = auth('alice', { 'idempotency-key': 'k-1' });
  const credit = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 1 });
  t.equal(credit.statusCode, 200);
  t.equal(credit.headers['x-ratelimit-remaining'], '1');
  const replay = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 1 });
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(replay.headers['x-ratelimit-remaining'], '0', 'a replay counts against the write budget');
  const limitedReplay = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 1 });
  t.equal(limitedReplay.statusCode, 429, 'past the budget even a replay is refused');
  t.equal(problemOf(limitedReplay).code, 'rate_limited');
  t.ok(Number(limitedReplay.headers['retry-after']) >= 1);
  t.equal(limitedReplay.headers['x-ratelimit-limit'], '2');
  t.equal(limitedReplay.headers['x-ratelimit-remaining'], '0');
  const fresh = auth('alice', { 'idempotency-key': 'k-2' });
  t.equal((await post(app, '/api/wallets/credit', fresh, { walletId: id, amount: 1 })).statusCode, 429);
  t.equal(await redis.probe.exists(`${prefix}:idem-lock:alice:k-2`), 0, 'a refused request takes no marker');
  t.equal((await app.inject({ url: `/api/wallets/${id}`, headers: auth('alice') })).json().data.balance, 1);
});

t.test('a keyed write refused by validation releases the marker the combined script took', async (t) => {
  const redis = await privateRedis(t);
  const { app, auth, wallet, prefix } = await build(t, { redisUrl: redis.url });
  const id = await wallet('alice');
  const headers = auth('alice', { 'idempotency-key': 'k-bad' });
  const bad = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 'ten' });
  t.equal(bad.statusCode, 400);
  t.equal(await redis.probe.exists(`${prefix}:idem-lock:alice:k-bad`), 0, 'marker released with the 400');
  const good = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 10 });
  t.equal(good.statusCode, 200, 'the same key then runs (not 409 in flight)');
});

t.test('history: hits count against the budget; refusals before the lookup count too', async (t) => {
  const redis = await privateRedis(t);
  const { app, auth, wallet } = await build(t, {
    redisUrl: redis.url,
    env: { RATE_LIMIT_MAX: '4', RATE_LIMIT_WINDOW_MS: '60000' },
  });
  const id = await wallet('alice'); // 1 (wallet creation shares the global budget)
  const url = `/api/transactions?walletId=${id}`;
  t.equal((await app.inject({ url, headers: auth('alice') })).headers['x-ratelimit-remaining'], '2'); // 2
  const invalid = await app.inject({ url: '/api/transactions?walletId=nope', headers: auth('alice') }); // 3
  t.equal(invalid.statusCode, 400);
  t.equal(invalid.headers['x-ratelimit-remaining'], '1', 'a 400 counts');
  const foreign = await app.inject({ url: `/api/transactions?walletId=${randomUUID()}`, headers: auth('alice') }); // 4
  t.equal(foreign.statusCode, 404);
  t.equal(foreign.headers['x-ratelimit-remaining'], '0', 'a 404 counts');
  const limited = await app.inject({ url, headers: auth('alice') });
  t.equal(limited.statusCode, 429);
  t.ok(Number(limited.headers['retry-after']) >= 1);
  const limitedBad = await app.inject({ url: '/api/transactions?walletId=nope', headers: auth('alice') });
  t.equal(limitedBad.statusCode, 429, 'past the budget a bad request is refused as rate limited');
  t.equal((await app.inject({ url, headers: auth('bob') })).statusCode, 404, 'other users keep their budget');
});

t.test('Redis down: the combined paths fall back to per-process limits, writes and history still work', async (t) => {
  const redis = await privateRedis(t);
  const { app, auth, wallet } = await build(t, {
    redisUrl: redis.url,
    env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WRITE_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' },
  });
  const id = await wallet('alice');
  await redis.stop();
  const credit = (key: string) =>
    post(app, '/api/wallets/credit', auth('alice', { 'idempotency-key': key }), { walletId: id, amount: 1 });
  const one = await credit('a');
  t.equal(one.statusCode, 200);
  t.equal(one.headers['x-ratelimit-remaining'], '1', 'counted per process');
  t.equal((await credit('a')).headers['idempotent-replayed'], 'true', 'replayed from the database');
  const third = await credit('b');
  t.equal(third.statusCode, 429, 'the per-process write budget holds');
  t.ok(Number(third.headers['retry-after']) >= 1);
  const url = `/api/transactions?walletId=${id}`;
  const page = await app.inject({ url, headers: auth('alice') });
  t.equal(page.statusCode, 200, 'history served without Redis');
  t.same(
    page.json().data.map((entry: { amount: number }) => entry.amount),
    [1],
  );
  t.equal(page.headers['x-ratelimit-remaining'], '2', 'history counted per process (from zero: not in Redis)');
  await app.inject({ url, headers: auth('alice') });
  await app.inject({ url, headers: auth('alice') });
  t.equal((await app.inject({ url, headers: auth('alice') })).statusCode, 429);
  const metrics = (await app.inject({ url: '/metrics' })).body;
  t.match(metrics, /redis_fallback_total\{use="rate_limit"\} [1-9]/);
  t.match(metrics, /history_cache_total\{result="bypass"\} [1-9]/);
});
