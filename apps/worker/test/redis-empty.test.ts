// Goal: a notification counts as delivered only when the database says so (DESIGN §4.5), so
// a Redis that comes back empty loses none, and the re-relay that guarantees it adds no
// duplicate while Redis is healthy. Method: (1) a private redis-server on a free port, a
// receiver failing every delivery, 20 credits whose jobs are retrying; Redis SIGKILLed and
// restarted without data, the receiver then succeeds: every event reaches it with exactly one
// 2xx per webhook-id, the database records all 20 as delivered, and the maintenance job
// schedulers Redis lost are created again. (2) On the shared Redis,
// deliveries that keep failing past the re-relay horizon: the re-relay finds their jobs still
// queued, every event is answered 2xx exactly once after exactly the scheduled attempts, and a
// dead-lettered delivery is recorded as dead and not sent again.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test as Tap } from 'tap';
import type { DeliveryRecord } from '@wallet/ledger';
import { JOB_NAMES } from '@wallet/queue';
import type { PostgresStore } from '@wallet/store-postgres';
import {
  addEndpoint,
  callerOf,
  ledgerFor,
  newWallet,
  privateRedis,
  startReceiver,
  waitFor,
  workerFixture,
} from './helper.js';

/** The shortest horizon the config accepts: the re-relay looks at a pending delivery after 1 s. */
const HORIZON_MS = '1000';

interface Answer {
  id: string;
  status: number;
}

async function creditMany(t: Tap, store: PostgresStore, userId: string, count: number): Promise<string[]> {
  const ledger = ledgerFor(store);
  const wallet = await newWallet(ledger, userId);
  for (let index = 0; index < count; index++) {
    const result = await ledger.credit(
      callerOf(userId),
      { walletId: wallet, amount: index + 1 },
      { idempotencyKey: `k-${index}` },
    );
    t.equal(result.statusCode, 200, 'credit committed');
  }
  return (await store.listTransactions(wallet, { limit: 100 })).map((entry) => entry.id);
}

const okIds = (answers: Answer[]): string[] =>
  answers.filter((answer) => answer.status >= 200 && answer.status < 300).map((answer) => answer.id);

async function rechecks(worker: { metrics: { deliveryRechecks: { get(): Promise<unknown> } } }, result: string) {
  const metric = (await worker.metrics.deliveryRechecks.get()) as {
    values: Array<{ labels: { result?: string }; value: number }>;
  };
  return metric.values.find((value) => value.labels.result === result)?.value ?? 0;
}

const statesOf = (records: DeliveryRecord[]): string[] => records.map((record) => record.state).sort();

t.test('Redis restarted empty while 20 deliveries retry: all 20 delivered once, recorded', async (t) => {
  const redis = await privateRedis(t);
  const { store, launchWorker } = await workerFixture(t, {
    REDIS_URL: redis.url,
    WEBHOOK_RERELAY_AFTER_MS: HORIZON_MS,
    WEBHOOK_BACKOFF_MS: '500',
    WEBHOOK_ATTEMPTS: '12',
  });
  let failing = true;
  const answers: Answer[] = [];
  const receiver = await startReceiver(t, (request) => {
    const status = failing ? 503 : 204;
    answers.push({ id: String(request.headers['webhook-id']), status });
    return status;
  });
  const user = `rhea-${randomUUID()}`;
  const endpointId = (await addEndpoint(store, user, receiver.url)).id;
  const worker = await launchWorker({ outboxLeaseMs: 1000, schedulerCheckMs: 500 });
  const eventIds = await creditMany(t, store, user, 20);
  t.equal(eventIds.length, 20);

  t.ok(
    await waitFor(() => new Set(answers.map((answer) => answer.id)).size === 20, 20_000),
    'every event was attempted and refused',
  );
  const counts = await worker.queues.deliveries.getJobCounts('waiting', 'delayed', 'active');
  t.equal((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.active ?? 0), 20, 'their 20 jobs are retrying');
  t.equal(await store.outboxLagSeconds(), 0, 'the outbox is drained: only Redis holds the jobs');

  // redis-cli (shipped with redis-server) asks once, with no client-side retry state to trip on.
  const runIdOf = (): string =>
    /run_id:(\w+)/.exec(
      execFileSync('redis-cli', ['-p', String(redis.port), 'info', 'server'], { encoding: 'utf8' }),
    )?.[1] ?? '';
  const runIdBefore = runIdOf();
  await redis.stop();
  await redis.restart();
  // The worker reconnects at once and writes again, so an empty keyspace cannot be watched
  // reliably; a new process of a server that persists nothing (--save "", no AOF) is empty.
  const runIdAfter = runIdOf();
  t.ok(runIdBefore && runIdAfter && runIdBefore !== runIdAfter, 'Redis came back as a new process without data');
  failing = false;

  t.ok(
    await waitFor(() => new Set(okIds(answers)).size === 20, 30_000, 100),
    'all 20 delivered after Redis came back empty',
  );
  await sleep(2500); // two more horizons: a duplicate would show up here
  const delivered = okIds(answers);
  t.equal(delivered.length, 20, 'none delivered twice to the endpoint');
  t.same(new Set(delivered), new Set(eventIds), 'exactly the 20 ledger entries');
  const records = await store.listDeliveries(eventIds);
  t.equal(records.length, 20, 'one record per (event, endpoint)');
  t.ok(
    records.every((record) => record.endpointId === endpointId && record.state === 'delivered'),
    'the database records every one as delivered',
  );
  // Nothing but the re-relay can bring a job back into an empty Redis, so the deliveries above
  // are its work; the counter only has to show it ran (a round cut by the Redis restart may add
  // jobs and still be counted as failed, so the exact figure depends on timing).
  t.ok((await rechecks(worker, 'rerelayed')) >= 1, 'the re-relay added the vanished jobs again');
  const scheduled = async () =>
    Boolean(
      (await worker.queues.maintenance.getJobScheduler(JOB_NAMES.reconcile)) &&
      (await worker.queues.maintenance.getJobScheduler(JOB_NAMES.purgeIdempotency)),
    );
  t.ok(await waitFor(scheduled, 10_000, 100), 'the maintenance schedulers Redis lost are back');
  await worker.close();
});

t.test('Redis healthy: the re-relay finds retrying jobs queued and adds no duplicate', async (t) => {
  const { store, launchWorker } = await workerFixture(t, {
    WEBHOOK_RERELAY_AFTER_MS: HORIZON_MS,
    WEBHOOK_BACKOFF_MS: '800',
    WEBHOOK_ATTEMPTS: '8',
  });
  const failuresBeforeSuccess = 3;
  const answers: Answer[] = [];
  const receiver = await startReceiver(t, (request) => {
    const id = String(request.headers['webhook-id']);
    const seen = answers.filter((answer) => answer.id === id).length;
    const status = seen < failuresBeforeSuccess ? 503 : 204;
    answers.push({ id, status });
    return status;
  });
  const gone: Answer[] = [];
  const goneReceiver = await startReceiver(t, (request) => {
    gone.push({ id: String(request.headers['webhook-id']), status: 410 });
    return 410;
  });
  const user = `hale-${randomUUID()}`;
  await addEndpoint(store, user, receiver.url);
  const goneUser = `gone-${randomUUID()}`;
  const goneEndpoint = (await addEndpoint(store, goneUser, goneReceiver.url)).id;
  const worker = await launchWorker();
  const eventIds = await creditMany(t, store, user, 10);
  const [goneEvent] = await creditMany(t, store, goneUser, 1);

  // Retries wait 400-800, 800-1600 and 1600-3200 ms: the 2xx comes at least 2.8 s after the
  // relay, past the 1 s horizon plus one 1 s re-relay poll, so a re-relay round sees every job queued.
  t.ok(await waitFor(() => new Set(okIds(answers)).size === 10, 30_000, 100), 'all ten delivered');
  await sleep(2500); // two more horizons: a duplicate job would deliver again here
  t.ok((await rechecks(worker, 'queued')) > 0, 'the re-relay looked at deliveries whose jobs were still retrying');
  t.equal(await rechecks(worker, 'rerelayed'), 0, 'and added none of them again');
  t.equal(okIds(answers).length, 10, 'one 2xx per webhook-id');
  for (const id of eventIds) {
    const attempts = answers.filter((answer) => answer.id === id).length;
    t.equal(attempts, failuresBeforeSuccess + 1, `event ${id.slice(0, 8)}: exactly the scheduled attempts`);
  }
  const completed = await worker.queues.deliveries.getJobCounts('completed', 'failed');
  t.same(completed, { completed: 10, failed: 1 }, 'one job per (event, endpoint)');
  t.same(statesOf(await store.listDeliveries(eventIds)), Array(10).fill('delivered'), 'recorded as delivered');

  t.equal(gone.length, 1, 'the 410 endpoint was tried once (no retry, no re-relay)');
  const goneRecords = await store.listDeliveries([goneEvent!]);
  t.same(
    goneRecords.map((record) => [record.endpointId, record.state]),
    [[goneEndpoint, 'dead']],
    'the dead letter is recorded as dead',
  );
  await worker.close();
});
