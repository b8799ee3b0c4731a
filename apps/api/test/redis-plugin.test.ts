// Goal: the API's Redis is registered through @fastify/redis (app.redis is the ecosystem's
// decorator, the configured fail-fast client), start-up with Redis down waits a bounded time
// and then serves degraded, the client attaches when Redis comes up, and closing with Redis
// dead is bounded. Method: a private redis-server on a free port that the test starts late
// and SIGKILLs, the real app over PostgreSQL (app.inject), wall-clock bounds.
import t from 'tap';
import { Redis } from 'ioredis';
import { build, freePort } from './helper.js';
import { spawnRedis, stopRedis, waitFor } from './redis-server.js';

t.test('starts degraded with Redis down, attaches when it comes up, closes in bounded time', async (t) => {
  const port = await freePort();
  const startedMs = Date.now();
  const { app, auth, wallet } = await build(t, { redisUrl: `redis://127.0.0.1:${port}` });
  await app.ready();
  const startupMs = Date.now() - startedMs;
  t.ok(startupMs < 6000, `start-up with Redis down took ${startupMs} ms (first-connection wait is bounded)`);
  t.ok(app.redis instanceof Redis, 'app.redis is the ioredis client, decorated by @fastify/redis');
  t.equal(app.redis.options.maxRetriesPerRequest, 1, 'the fail-fast client options are kept');
  t.equal(app.redis.options.enableOfflineQueue, false);
  t.equal(app.redisFastPath.isReady(), false);
  const degraded = await app.inject({ url: '/health/ready' });
  t.equal(degraded.statusCode, 200);
  t.same(degraded.json(), { status: 'degraded', checks: { database: 'up', redis: 'down' } });
  const id = await wallet('ida', 'EUR', 500);
  const read = await app.inject({ url: `/api/wallets/${id}`, headers: auth('ida') });
  t.equal(read.json().data.balance, 500, 'writes and reads work without Redis');

  const server = spawnRedis(port);
  t.teardown(() => stopRedis(server));
  t.ok(await waitFor(() => app.redisFastPath.isReady(), 8000), 'the client connects once Redis is up');
  t.equal(await app.redis.ping(), 'PONG');
  t.equal((await app.inject({ url: '/health/ready' })).json().status, 'ok');

  await stopRedis(server);
  const closingMs = Date.now();
  await app.close();
  t.ok(Date.now() - closingMs < 5000, `close with Redis dead took ${Date.now() - closingMs} ms`);
  // ioredis leaves a client closed while reconnecting in status 'reconnecting' with its retry
  // timer cleared; what matters is that it never connects again, even when Redis is back.
  const again = spawnRedis(port);
  t.teardown(() => stopRedis(again));
  t.notOk(await waitFor(() => app.redis.status === 'ready', 3000), 'the closed client never reconnects');
});
