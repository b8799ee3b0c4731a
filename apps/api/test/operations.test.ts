// Goal: admins see the latest reconciliation report and the dead-letter set, and re-drive a
// dead letter through the API. Method: the real app (app.inject) and a real worker sharing
// one PostgreSQL schema and Redis prefix; a loopback receiver answers 410 until told not to.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import pino from 'pino';
import { PostgresStore } from '@wallet/store-postgres';
import { buildWorker } from '../../worker/src/worker.js';
import { build, problemOf, testConfig } from './helper.js';

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(25);
  }
  return check();
}

t.test('reconciliation report: admin only, null before the first run', async (t) => {
  const { app, auth, schema, config } = await build(t);
  const store = new PostgresStore({ connectionString: config.DATABASE_URL, schema, poolMax: 1 });
  t.teardown(() => store.close());
  const admin = { roles: ['admin'] };
  const forbidden = await app.inject({ method: 'GET', url: '/api/admin/reconciliation', headers: auth('alice') });
  t.equal(forbidden.statusCode, 403);
  t.equal(problemOf(forbidden).code, 'forbidden');
  t.equal((await app.inject({ method: 'GET', url: '/api/admin/reconciliation' })).statusCode, 401);
  const empty = await app.inject({ method: 'GET', url: '/api/admin/reconciliation', headers: auth('root', {}, admin) });
  t.equal(empty.statusCode, 200);
  t.same(empty.json(), { data: null });

  const report = {
    id: randomUUID(),
    startedAt: new Date(Date.now() - 1000).toISOString(),
    finishedAt: new Date().toISOString(),
    walletsChecked: 3,
    transfersChecked: 1,
    mismatches: [{ kind: 'balance_mismatch', walletId: randomUUID(), detail: 'balance 5 but entries sum to 4' }],
  };
  await store.saveReconciliationReport(report);
  const latest = await app.inject({
    method: 'GET',
    url: '/api/admin/reconciliation',
    headers: auth('root', {}, admin),
  });
  t.equal(latest.statusCode, 200);
  t.same(latest.json().data, report);
});

t.test('a permanently failing delivery is listed as a dead letter and re-driven via the API', async (t) => {
  let answer = 410;
  const received: string[] = [];
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received.push(String(request.headers['webhook-id']));
      response.statusCode = answer;
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const port = (receiver.address() as { port: number }).port;

  const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '10' };
  const { app, auth, wallet, schema, prefix } = await build(t, { env });
  const admin = (extra: Record<string, string> = {}) => auth('root', extra, { roles: ['admin'] });
  const hook = await app.inject({
    method: 'POST',
    url: '/api/webhooks',
    headers: auth('erin'),
    payload: { url: `http://127.0.0.1:${port}/hook` },
  });
  t.equal(hook.statusCode, 201);
  const walletId = await wallet('erin', 'EUR');
  for (let index = 0; index < 3; index++) {
    const credit = await app.inject({
      method: 'POST',
      url: '/api/wallets/credit',
      headers: auth('erin', { 'idempotency-key': `k${index}` }),
      payload: { walletId, amount: 100 + index },
    });
    t.equal(credit.statusCode, 200);
  }

  const config = testConfig({
    ...env,
    DATABASE_SCHEMA: schema,
    REDIS_PREFIX: prefix,
    WORKER_PORT: '0',
    HOST: '127.0.0.1',
    OUTBOX_POLL_MS: '20',
  });
  const store = new PostgresStore({ connectionString: config.DATABASE_URL, schema, poolMax: 3 });
  const worker = buildWorker({ config, store, logger: pino({ level: 'silent' }) });
  t.teardown(() => worker.close());
  await worker.start();

  const failedCount = () => worker.queues.deliveries.getFailedCount();
  t.ok(await waitFor(async () => (await failedCount()) === 3, 15_000), 'three deliveries dead-lettered');
  t.equal(received.length, 3, 'a 410 is tried once');

  t.equal(
    (await app.inject({ method: 'GET', url: '/api/admin/dead-letters', headers: auth('erin') })).statusCode,
    403,
    'admins only',
  );
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 5; page++) {
    const url: string = `/api/admin/dead-letters?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await app.inject({ method: 'GET', url, headers: admin() });
    t.equal(response.statusCode, 200, response.body);
    const body = response.json() as {
      data: Array<{ id: string; queue: string; failedReason: string; attemptsMade: number }>;
      nextCursor: string | null;
    };
    t.equal(body.data.length, 1);
    t.match(body.data[0], { queue: 'deliveries', failedReason: 'HTTP 410', attemptsMade: 1 });
    ids.push(body.data[0]!.id);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  t.equal(ids.length, 3, 'three pages of one');
  t.equal(new Set(ids).size, 3, 'no dead letter twice');
  const whole = await app.inject({ method: 'GET', url: '/api/admin/dead-letters', headers: admin() });
  t.same(
    whole.json().data.map((item: { id: string }) => item.id),
    ids,
    'paging agrees with one page',
  );
  t.equal(whole.json().nextCursor, null);

  const badCursor = await app.inject({
    method: 'GET',
    url: '/api/admin/dead-letters?cursor=garbage',
    headers: admin(),
  });
  t.equal(badCursor.statusCode, 400);
  t.equal(problemOf(badCursor).code, 'validation_failed');
  t.equal(
    (await app.inject({ method: 'GET', url: '/api/admin/dead-letters?limit=101', headers: admin() })).statusCode,
    400,
  );
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/admin/dead-letters/bad:id/retry', headers: admin() })).statusCode,
    400,
  );
  const unknown = await app.inject({
    method: 'POST',
    url: `/api/admin/dead-letters/${randomUUID()}/retry`,
    headers: admin(),
  });
  t.equal(unknown.statusCode, 404);
  t.equal(problemOf(unknown).code, 'not_found');

  answer = 204;
  const retried = await app.inject({
    method: 'POST',
    url: `/api/admin/dead-letters/${ids[0]}/retry`,
    headers: admin(),
  });
  t.equal(retried.statusCode, 202, retried.body);
  t.equal(retried.json().data.id, ids[0]);
  t.ok(await waitFor(() => received.length === 4, 10_000), 're-driven delivery arrives');
  t.equal(received[3], ids[0]!.split('.')[0], 'same webhook-id (the event id)');
  t.ok(await waitFor(async () => (await failedCount()) === 2, 5000), 'left the dead-letter set');
  const again = await app.inject({ method: 'POST', url: `/api/admin/dead-letters/${ids[0]}/retry`, headers: admin() });
  t.equal(again.statusCode, 404, 'a delivered job is no longer a dead letter');
  const remaining = await app.inject({ method: 'GET', url: '/api/admin/dead-letters', headers: admin() });
  t.same(
    remaining.json().data.map((item: { id: string }) => item.id),
    ids.slice(1),
  );
});

t.test('dead letters with Redis down answer 503 fast, and recover when Redis returns', async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const { app, auth } = await build(t, { env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  const admin = auth('root', {}, { roles: ['admin'] });
  const startedMs = Date.now();
  const down = await app.inject({ method: 'GET', url: '/api/admin/dead-letters', headers: admin });
  t.equal(down.statusCode, 503, down.body);
  t.equal(problemOf(down).code, 'service_unavailable');
  t.ok(down.headers['retry-after'], 'Retry-After sent');
  t.notOk(down.body.includes('ECONNREFUSED'), 'no driver message');
  t.ok(Date.now() - startedMs < 8000, `failed fast (${Date.now() - startedMs} ms)`);

  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    redis.kill('SIGKILL');
  });
  const recovered = await waitFor(
    async () =>
      (await app.inject({ method: 'GET', url: '/api/admin/dead-letters', headers: admin })).statusCode === 200,
    15_000,
  );
  t.ok(recovered, 'dead letters served once Redis is back');
});
