// Goal: the API's Redis is registered through @fastify/redis (app.redis is the ecosystem's
// decorator, the configured fail-fast client), start-up with Redis down waits a bounded time
// and then serves degraded, the client attaches when Redis comes up, and closing with Redis
// dead is bounded. Method: a private redis-server on a free port that the test starts late
// and SIGKILLs, the real app over PostgreSQL (app.inject), wall-clock bounds.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { Redis } from 'ioredis';
import { build, freePort } from './helper.js';

function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

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

  const server = startRedis(port);
  t.teardown(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });
  t.ok(await waitFor(() => app.redisFastPath.isReady(), 8000), 'the client connects once Redis is up');
  t.equal(await app.redis.ping(), 'PONG');
  t.equal((await app.inject({ url: '/health/ready' })).json().status, 'ok');

  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
  const closingMs = Date.now();
  await app.close();
  t.ok(Date.now() - closingMs < 5000, `close with Redis dead took ${Date.now() - closingMs} ms`);
  // ioredis leaves a client closed while reconnecting in status 'reconnecting' with its retry
  // timer cleared; what matters is that it never connects again, even when Redis is back.
  const again = startRedis(port);
  t.teardown(() => {
    if (again.exitCode === null) again.kill('SIGKILL');
  });
  t.notOk(await waitFor(() => app.redis.status === 'ready', 3000), 'the closed client never reconnects');
});
