// Goal: the relay reads events and endpoints in one store call per round, adds one delivery
// job per event and matching endpoint, makes no Redis job for events nobody listens to, and
// has a batch marked published (by the next round's call, or by stop()) only once Redis took
// its jobs. Method: OutboxRelay rounds run by hand against
// real PostgreSQL and Redis (a private redis-server for the outage); the store is wrapped
// only to count which port methods each round calls.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import pino from 'pino';
import { Queue } from 'bullmq';
import { minor, type LedgerStore, type OutboxEvent, type OutboxEventType } from '@wallet/ledger';
import { createProducerRedis, deliveryJobId, queueNaming, type DeliveryJob, type DeliveryPolicy } from '@wallet/queue';
import { OutboxRelay } from '../src/outbox-relay.js';
import { WorkerMetrics } from '../src/metrics.js';
import { planDeliveries } from '../src/delivery-plan.js';
import { REDIS_URL, callerOf, cleanRedisPrefix, endpointOf, ledgerFixture, privateRedis } from './helper.js';

const POLICY: DeliveryPolicy = { attempts: 3, backoffMs: 10 };

/** The real store, with a count of the port calls a relay round makes. */
function counted(store: LedgerStore): { store: LedgerStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return (value as (...inner: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

function relayFor(store: LedgerStore, deliveries: Queue<DeliveryJob>, metrics = new WorkerMetrics()): OutboxRelay {
  return new OutboxRelay({
    store,
    deliveries,
    owner: `relay-${randomUUID()}`,
    batchSize: 100,
    pollMs: 20,
    leaseMs: 1000,
    enqueueTimeoutMs: 2000,
    failureBackoffMaxMs: 100,
    rerelayAfterMs: 60_000,
    policy: POLICY,
    logger: pino({ level: 'silent' }),
    metrics,
  });
}

t.test('one endpoint read per batch; jobs only for events with a matching endpoint', async (t) => {
  const naming = queueNaming(`t-${randomUUID()}`);
  cleanRedisPrefix(t, naming.prefix);
  const { store: writer, ledger, openWallet } = await ledgerFixture(t);
  const redis = createProducerRedis(REDIS_URL, 'relay-test');
  const deliveries = new Queue<DeliveryJob>(naming.deliveries, { connection: redis, prefix: naming.prefix });
  t.teardown(async () => {
    await deliveries.close();
    await redis.quit();
  });

  const [ann, ben, cid] = ['ann', 'ben', 'cid'].map((name) => `${name}-${randomUUID()}`) as [string, string, string];
  const annAll = endpointOf(ann);
  const annDebits = endpointOf(ann, ['wallet.debited']);
  const benCredits = endpointOf(ben, ['wallet.credited']);
  for (const endpoint of [annAll, annDebits, benCredits]) await writer.createWebhook(endpoint);
  const wallets = new Map<string, string>();
  for (const user of [ann, ben, cid]) wallets.set(user, await openWallet(user));
  for (const [index, user] of [ann, ben, cid, cid, cid].entries()) {
    await ledger.credit(callerOf(user), { walletId: wallets.get(user)!, amount: 10 }, { idempotencyKey: `c${index}` });
  }
  await ledger.debit(callerOf(ann), { walletId: wallets.get(ann)!, amount: 1 }, { idempotencyKey: 'd0' });
  await ledger.debit(callerOf(ben), { walletId: wallets.get(ben)!, amount: 1 }, { idempotencyKey: 'd1' });

  const { store, calls } = counted(writer);
  const metrics = new WorkerMetrics();
  const relay = relayFor(store, deliveries, metrics);
  t.equal(await relay.relayOnce(), 7, 'the whole outbox in one round');
  t.equal(calls.get('claimOutboxRound'), 1, 'events and endpoints in one store call');
  t.notOk(calls.has('webhooksForUsers') || calls.has('listWebhooks'), 'no endpoint read of its own, never per event');
  t.ok((await writer.outboxLagSeconds()) > 0, 'handed on, not yet marked published');

  const entries = async (user: string) => writer.listTransactions(wallets.get(user)!, { limit: 10 });
  const annEntries = await entries(ann);
  const annCredit = annEntries.find((entry) => entry.type === 'credit');
  const annDebit = annEntries.find((entry) => entry.type === 'debit');
  const benCredit = (await entries(ben)).find((entry) => entry.type === 'credit')!;
  const expected = [
    deliveryJobId(annCredit!.id, annAll.id),
    deliveryJobId(annDebit!.id, annAll.id),
    deliveryJobId(annDebit!.id, annDebits.id),
    deliveryJobId(benCredit.id, benCredits.id),
  ].sort();
  const jobs = await deliveries.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'], 0, 100);
  t.same(
    jobs.map((job) => job.id).sort(),
    expected,
    'ann: credit + debit to her catch-all, debit to her debit hook; ben: credit only; cid: nothing',
  );
  const annDebitJob = jobs.find((job) => job.id === deliveryJobId(annDebit!.id, annDebits.id))!;
  t.match(annDebitJob.data, {
    endpointId: annDebits.id,
    event: { id: annDebit!.id, type: 'wallet.debited', userId: ann },
  });
  t.match(annDebitJob.opts, { attempts: POLICY.attempts, backoff: { delay: POLICY.backoffMs } });
  const counter = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value;
  t.equal(await counter('wallet_worker_outbox_relayed_total'), 7);
  t.equal(await counter('wallet_worker_outbox_deliveries_enqueued_total'), 4);

  t.equal(await relay.relayOnce(), 0, 'nothing left');
  t.equal(await writer.outboxLagSeconds(), 0, "the next round's claim published every event, those without a job too");
  t.same(
    [...calls.keys()].sort(),
    ['claimOutboxRound', 'recordPendingDeliveries'],
    'two rounds: two round calls and one record of the pending pairs; no markOutboxPublished of its own',
  );
  t.equal(calls.get('claimOutboxRound'), 2);
});

t.test("stop() marks the last round's events published", async (t) => {
  const naming = queueNaming(`t-${randomUUID()}`);
  cleanRedisPrefix(t, naming.prefix);
  const { store, ledger, openWallet } = await ledgerFixture(t);
  const redis = createProducerRedis(REDIS_URL, 'relay-stop-test');
  const deliveries = new Queue<DeliveryJob>(naming.deliveries, { connection: redis, prefix: naming.prefix });
  t.teardown(async () => {
    await deliveries.close();
    await redis.quit();
  });
  const user = `stop-${randomUUID()}`;
  const wallet = await openWallet(user);
  await ledger.credit(callerOf(user), { walletId: wallet, amount: 3 }, { idempotencyKey: 's' });
  const relay = relayFor(store, deliveries);
  t.equal(await relay.relayOnce(), 1);
  t.ok((await store.outboxLagSeconds()) > 0, 'handed on, waiting for the next round');
  await relay.stop();
  t.equal(await store.outboxLagSeconds(), 0, 'published by stop() with no next round');
  t.equal(await relay.relayOnce(), 0, 'and not claimed again');
});

t.test('planDeliveries: per event, the endpoints of its own user that want its type', async (t) => {
  const event = (userId: string, type: OutboxEventType): OutboxEvent => ({
    id: randomUUID(),
    type,
    userId,
    walletId: randomUUID(),
    transactionId: randomUUID(),
    currency: 'EUR',
    amount: minor(1),
    balanceAfter: minor(1),
    occurredAt: new Date().toISOString(),
  });
  const hooks = [
    endpointOf('u1'),
    endpointOf('u1', ['transfer.completed']),
    endpointOf('u2', ['wallet.credited', 'wallet.debited']),
  ];
  const events = [
    event('u1', 'wallet.credited'),
    event('u2', 'transfer.completed'),
    event('u3', 'wallet.credited'),
    event('u2', 'wallet.debited'),
  ];
  const plan = planDeliveries(events, hooks, POLICY);
  t.same(
    plan.map((job) => job.opts.jobId),
    [deliveryJobId(events[0]!.id, hooks[0]!.id), deliveryJobId(events[3]!.id, hooks[2]!.id)],
  );
  t.same(planDeliveries(events, [], POLICY), [], 'no endpoint, no job');
});

t.test('Redis down: events with endpoints wait in the outbox, events without are published', async (t) => {
  const server = await privateRedis(t);
  const naming = queueNaming(`t-${randomUUID()}`);
  const { store: writer, ledger, openWallet } = await ledgerFixture(t);
  const redis = createProducerRedis(server.url, 'relay-outage-test');
  redis.on('error', () => undefined);
  const deliveries = new Queue<DeliveryJob>(naming.deliveries, { connection: redis, prefix: naming.prefix });
  deliveries.on('error', () => undefined);
  t.teardown(async () => {
    await deliveries.close();
    redis.disconnect();
  });
  const listened = `heard-${randomUUID()}`;
  const ignored = `quiet-${randomUUID()}`;
  const hook = endpointOf(listened);
  await writer.createWebhook(hook);
  const heardWallet = await openWallet(listened);
  const quietWallet = await openWallet(ignored);
  const relay = relayFor(writer, deliveries);
  await deliveries.waitUntilReady();

  await server.stop();
  await ledger.credit(callerOf(ignored), { walletId: quietWallet, amount: 5 }, { idempotencyKey: 'q' });
  t.equal(await relay.relayOnce(), 1, 'an event nobody listens to needs no Redis');
  t.equal(await relay.relayOnce(), 0);
  t.equal(await writer.outboxLagSeconds(), 0, 'published by the next round');

  await ledger.credit(callerOf(listened), { walletId: heardWallet, amount: 5 }, { idempotencyKey: 'h' });
  await t.rejects(relay.relayOnce(), 'the round fails while Redis is down');
  t.ok((await writer.outboxLagSeconds()) > 0, 'its event stays unpublished');

  await server.restart();
  const [entry] = await writer.listTransactions(heardWallet, { limit: 1 });
  let relayed = 0;
  for (let round = 0; round < 40 && relayed === 0; round++) {
    relayed = await relay.relayOnce().catch(() => 0);
    if (relayed === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.equal(relayed, 1, 'sent once the lease lapsed and Redis is back');
  await relay.relayOnce();
  t.equal(await writer.outboxLagSeconds(), 0, 'published now');
  const job = await deliveries.getJob(deliveryJobId(entry!.id, hook.id));
  t.equal(job?.data.event.id, entry!.id, 'its delivery job is in Redis');
});
