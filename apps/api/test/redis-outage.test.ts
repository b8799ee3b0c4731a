// Redis is never needed for correctness (DESIGN.md §4.7): with a private redis-server killed mid-test, writes succeed once, replays come byte-identical from the database, history is served, readiness stays 200 (degraded), rate limiting falls back per process; when Redis returns the fast paths are used again.
import t from 'tap';
import { Redis } from 'ioredis';
import { build, post, freePort } from './helper.js';
import { startRedis, stopRedis, waitFor } from './redis-server.js';

function metric(body: string, pattern: RegExp): number {
  const match = body.match(pattern);
  return match ? Number(match[1]) : 0;
}

t.test('Redis killed mid-test, then restarted', async (t) => {
  const port = await freePort();
  let redisServer = await startRedis(port);
  t.teardown(() => stopRedis(redisServer));
  const harness = await build(t, { redisUrl: `redis://127.0.0.1:${port}` });
  const { app, auth, wallet, prefix } = harness;
  const id = await wallet('alice', 'USD', 1000);
  t.equal((await app.inject({ url: `/api/transactions?walletId=${id}`, headers: auth('alice') })).statusCode, 200);

  await stopRedis(redisServer);
  const started = Date.now();
  const headers = auth('alice', { 'idempotency-key': 'during-outage' });
  const credit = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 250 });
  t.equal(credit.statusCode, 200, 'the write succeeds without Redis');
  t.ok(Date.now() - started < 2000, `and fails over fast (${Date.now() - started} ms)`);
  t.ok(credit.headers['x-ratelimit-remaining'], 'rate limit headers still sent (per-process fallback)');

  const replay = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 250 });
  t.equal(replay.statusCode, 200);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(replay.body, credit.body, 'byte-identical replay from the database');

  const history = await app.inject({ url: `/api/transactions?walletId=${id}`, headers: auth('alice') });
  t.equal(history.statusCode, 200);
  t.same(
    history.json().data.map((e: { amount: number }) => e.amount),
    [250, 1000],
    'history served from the database, with the new write',
  );

  const ready = await app.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 200, 'readiness stays up');
  t.same(ready.json(), { status: 'degraded', checks: { database: 'up', redis: 'down' } });

  const wallet2 = await app.inject({ url: `/api/wallets/${id}`, headers: auth('alice') });
  t.equal(wallet2.json().data.balance, 1250, 'applied exactly once');
  let metrics = (await app.inject({ url: '/metrics' })).body;
  t.ok(metric(metrics, /redis_fallback_total\{use="rate_limit"\} (\d+)/) > 0, 'rate-limit fallback counted');
  t.ok(metric(metrics, /redis_fallback_total\{use="idempotency"\} (\d+)/) > 0, 'idempotency fallback counted');
  t.ok(metric(metrics, /history_cache_total\{result="bypass"\} (\d+)/) > 0, 'cache bypass counted');

  redisServer = await startRedis(port);
  t.ok(
    await waitFor(async () => (await app.inject({ url: '/health/ready' })).json().status === 'ok', 8000),
    'readiness reports Redis up again',
  );
  const after = await post(app, '/api/wallets/credit', auth('alice', { 'idempotency-key': 'after-outage' }), {
    walletId: id,
    amount: 1,
  });
  t.equal(after.statusCode, 200);
  const check = new Redis({ port });
  t.teardown(() => check.quit());
  t.ok(await check.get(`${prefix}:idem:alice:after-outage`), 'the idempotency fast path writes to Redis again');
  const hitsBefore = metric((await app.inject({ url: '/metrics' })).body, /history_cache_total\{result="hit"\} (\d+)/);
  await app.inject({ url: `/api/transactions?walletId=${id}`, headers: auth('alice') });
  const cachedPage = await app.inject({ url: `/api/transactions?walletId=${id}`, headers: auth('alice') });
  metrics = (await app.inject({ url: '/metrics' })).body;
  t.equal(
    metric(metrics, /history_cache_total\{result="hit"\} (\d+)/),
    hitsBefore + 1,
    'the history cache is used again',
  );
  t.equal(cachedPage.json().data.length, 3);
  t.ok((await check.keys(`${prefix}:rl:*`)).length > 0, 'rate-limit counters are back in Redis');
});
