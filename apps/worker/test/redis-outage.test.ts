// Goal: Redis down while money moves loses no notification. Method: a private redis-server
// on a free port is killed while credits are written through LedgerService (PostgreSQL),
// then restarted empty; every ledger entry must still reach the receiver exactly once.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { addEndpoint, callerOf, privateRedis, startReceiver, waitFor, workerFixture } from './helper.js';

t.test('events written while Redis is down are delivered after it returns', async (t) => {
  const redis = await privateRedis(t);
  const { store, ledger, openWallet, launchWorker } = await workerFixture(t, { REDIS_URL: redis.url });
  const receiver = await startReceiver(t);
  const user = `erin-${randomUUID()}`;
  await addEndpoint(store, user, receiver.url);
  const wallet = await openWallet(user);
  const worker = await launchWorker({ outboxLeaseMs: 1000 });

  await ledger.credit(callerOf(user), { walletId: wallet, amount: 1 }, { idempotencyKey: 'before' });
  t.ok(await waitFor(() => receiver.requests.length === 1, 10_000), 'delivered while Redis is up');

  await redis.stop();
  const outageWritesMs = Date.now();
  for (let index = 0; index < 5; index++) {
    const result = await ledger.credit(
      callerOf(user),
      { walletId: wallet, amount: 10 + index },
      { idempotencyKey: `during-${index}` },
    );
    t.equal(result.statusCode, 200, 'writes succeed with Redis down');
  }
  const failedRounds = await waitFor(async () => {
    const text = await worker.metrics.registry.getSingleMetricAsString('wallet_worker_outbox_relay_failures_total');
    return !/ 0$/m.test(text);
  }, 10_000);
  t.ok(failedRounds, 'the relay noticed Redis down');
  const readiness = await fetch(`http://127.0.0.1:${worker.port}/health/ready`);
  t.equal(readiness.status, 503, 'worker readiness reports Redis down');
  t.equal(((await readiness.json()) as { checks: { redis: string } }).checks.redis, 'down');
  await sleep(300);
  t.equal(receiver.requests.length, 1, 'nothing delivered during the outage');
  const lag = await store.outboxLagSeconds();
  const sinceWrites = (Date.now() - outageWritesMs) / 1000;
  t.ok(
    lag >= 0.25 && lag <= sinceWrites + 2,
    `the unrelayed events show as outbox lag (${lag} s; first written ${sinceWrites} s ago)`,
  );

  await redis.restart(); // restarted empty: nothing survived in Redis
  const entries = await store.listTransactions(wallet, { limit: 100 });
  t.equal(entries.length, 6);
  t.ok(await waitFor(() => receiver.requests.length >= 6, 20_000), 'all six delivered after Redis returns');
  await sleep(500);
  const ids = receiver.requests.map((request) => String(request.headers['webhook-id']));
  t.equal(ids.length, 6, 'exactly once each');
  t.same(new Set(ids), new Set(entries.map((entry) => entry.id)));
  t.equal(await store.outboxLagSeconds(), 0, 'outbox drained');
  await worker.close();
});
