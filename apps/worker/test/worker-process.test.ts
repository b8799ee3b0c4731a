// Goal: the worker's operations surface — health probes, Prometheus metrics, a close that
// lets an active delivery finish, and the built process exiting 0 on SIGTERM (1 on a bad
// config). Method: a started worker on port 0 with a slow loopback receiver; the built
// entry point apps/worker/dist/main.js spawned as a child process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueNaming } from '@wallet/queue';
import {
  DATABASE_URL,
  REDIS_URL,
  addEndpoint,
  callerOf,
  cleanRedisPrefix,
  freePort,
  ledgerFixture,
  startReceiver,
  startWorker,
  testConfig,
  waitFor,
  workerFixture,
} from './helper.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

t.test('probes and metrics; close() lets the active delivery finish', async (t) => {
  const { config, store, ledger, openWallet, launchWorker } = await workerFixture(t);
  const receiver = await startReceiver(t, () => 200);
  let slowMs = 0;
  receiver.server.removeAllListeners('request');
  receiver.server.on('request', (request, response) => {
    request.resume();
    request.on('end', () => {
      receiver.requests.push({ headers: request.headers, body: '', atMs: Date.now() });
      setTimeout(() => response.end(), slowMs);
    });
  });
  const user = `ops-${randomUUID()}`;
  await addEndpoint(store, user, receiver.url);
  const wallet = await openWallet(user);
  const worker = await launchWorker();
  const base = `http://127.0.0.1:${worker.port}`;

  t.same(await (await fetch(`${base}/health/live`)).json(), { status: 'ok' });
  const ready = await fetch(`${base}/health/ready`);
  t.equal(ready.status, 200);
  t.same(await ready.json(), { status: 'ok', checks: { database: 'ok', redis: 'ok', accepting: true } });

  await ledger.credit(callerOf(user), { walletId: wallet, amount: 10 }, { idempotencyKey: 'fast' });
  t.ok(await waitFor(() => receiver.requests.length === 1, 10_000));
  await waitFor(async () => (await worker.queues.deliveries.getCompletedCount()) === 1, 5000);
  const metrics = await fetch(`${base}/metrics`);
  t.match(metrics.headers.get('content-type'), /text\/plain/);
  const text = await metrics.text();
  t.match(text, /wallet_worker_queue_jobs\{queue="webhook-deliveries",state="completed"\} 1/);
  t.match(text, /wallet_worker_queue_jobs\{queue="webhook-deliveries",state="waiting"\} 0/);
  t.notMatch(text, /queue="outbox-events"/, 'no fan-out queue: the relay adds deliveries itself');
  t.match(text, /wallet_worker_jobs_total\{queue="webhook-deliveries",outcome="completed"\} 1/);
  t.match(text, /wallet_worker_webhook_delivery_seconds_count 1/);
  t.match(text, /wallet_worker_webhook_attempts_total\{result="2xx"\} 1/);
  t.match(text, /wallet_worker_outbox_lag_seconds 0/);
  t.match(text, /wallet_worker_outbox_relayed_total 1/);
  t.match(text, /wallet_worker_outbox_deliveries_enqueued_total 1/);

  // A slow receiver: close() starts while the delivery is in flight and must wait for it.
  slowMs = 700;
  await ledger.credit(callerOf(user), { walletId: wallet, amount: 20 }, { idempotencyKey: 'slow' });
  t.ok(await waitFor(() => receiver.requests.length === 2, 10_000), 'second delivery in flight');
  const startedMs = Date.now();
  await worker.close();
  t.ok(Date.now() - startedMs >= 500, 'close waited for the active job');
  await t.rejects(fetch(`${base}/health/live`), 'health server closed');

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const deliveries = new Queue(queueNaming(config.REDIS_PREFIX).deliveries, {
    connection: redis,
    prefix: config.REDIS_PREFIX,
  });
  t.teardown(async () => {
    await deliveries.close();
    await redis.quit();
  });
  t.equal(await deliveries.getCompletedCount(), 2, 'the in-flight delivery completed, not abandoned');
  t.equal(await deliveries.getActiveCount(), 0);
});

t.test(
  'the built worker exits 0 on SIGTERM with a delivery in flight, which completes; 1 on a bad configuration',
  async (t) => {
    const prefix = `t-${randomUUID()}`;
    cleanRedisPrefix(t, prefix);
    const { schema, store, ledger, openWallet } = await ledgerFixture(t);
    // A slow receiver: the delivery is still running when SIGTERM arrives.
    const receiver = await startReceiver(t, () => 200);
    const finished: string[] = [];
    receiver.server.removeAllListeners('request');
    receiver.server.on('request', (request, response) => {
      request.resume();
      request.on('end', () => {
        receiver.requests.push({ headers: request.headers, body: '', atMs: Date.now() });
        setTimeout(() => {
          response.end();
          finished.push(String(request.headers['webhook-id']));
        }, 1500);
      });
    });
    const user = `sigterm-${randomUUID()}`;
    await addEndpoint(store, user, receiver.url);
    const wallet = await openWallet(user);
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      WORKER_PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: '5000',
      OUTBOX_POLL_MS: '50',
    };
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const up = await waitFor(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      20_000,
      100,
    );
    t.ok(up, 'ready');
    const credited = await ledger.credit(
      callerOf(user),
      { walletId: wallet, amount: 5 },
      { idempotencyKey: 'in-flight' },
    );
    const eventId = (credited.body as { data: { transactionId: string } }).data.transactionId;
    t.ok(await waitFor(() => receiver.requests.length === 1, 15_000), 'the delivery reached the slow receiver');
    t.same(finished, [], 'and is still in flight');
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
    t.equal(code, 0, 'exit 0 after SIGTERM');

    // The job either completed before the exit or was handed back to the queue; a later worker then delivers it.
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const deliveries = new Queue(queueNaming(prefix).deliveries, { connection: redis, prefix });
    t.teardown(async () => {
      await deliveries.close();
      await redis.quit();
    });
    if ((await deliveries.getCompletedCount()) === 0) {
      t.comment('the in-flight job was returned to the queue; a new worker must deliver it');
      await startWorker(t, testConfig({ REDIS_PREFIX: prefix }), schema);
      t.ok(await waitFor(async () => (await deliveries.getCompletedCount()) === 1, 20_000), 'delivered later');
    } else {
      t.same(finished, [eventId], 'the delivery finished before the worker exited');
    }
    t.equal(await deliveries.getCompletedCount(), 1, 'the delivery job completed exactly once');
    t.equal(await deliveries.getActiveCount(), 0, 'nothing left active (no stalled job)');
    t.equal(await deliveries.getFailedCount(), 0, 'not failed');
    t.ok(
      receiver.requests.every((request) => request.headers['webhook-id'] === eventId),
      'every attempt carried the event id (a retry, never another event)',
    );

    const bad = spawn(process.execPath, [MAIN], {
      env: { ...env, WORKER_CONCURRENCY: 'lots' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    bad.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const badCode = await new Promise<number | null>((resolve) => bad.once('exit', (exitCode) => resolve(exitCode)));
    t.equal(badCode, 1);
    t.match(stderr, /WORKER_CONCURRENCY/);
    t.equal(stderr.trim().split('\n').length, 1, 'one line');
  },
);
