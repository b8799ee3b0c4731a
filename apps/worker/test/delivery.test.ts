// Goal: every committed ledger entry reaches its owner's endpoints exactly once, signed per
// Standard Webhooks, retried with growing delays on 5xx and dead-lettered on 410. Method:
// real PostgreSQL (LedgerService + PostgresStore) and Redis, a started worker, a loopback
// receiver; signatures are re-computed here with node:crypto, not with the code under test.
import { createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { Redis } from 'ioredis';
import { deadLetterSources, listDeadLetters, retryDeadLetter } from '@wallet/queue';
import { generateWebhookSecret } from '@wallet/webhooks';
import {
  REDIS_URL,
  addEndpoint,
  callerOf,
  startReceiver,
  waitFor,
  workerFixture,
  type ReceivedRequest,
} from './helper.js';

function expectedSignature(secret: string, request: ReceivedRequest): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const content = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`;
  return 'v1,' + createHmac('sha256', key).update(content).digest('base64');
}

t.test('each committed entry is delivered once per matching endpoint, verifiably signed', async (t) => {
  const { store, ledger, openWallet, launchWorker } = await workerFixture(t);
  const receiver = await startReceiver(t);
  const alice = `alice-${randomUUID()}`;
  const bob = `bob-${randomUUID()}`;
  const aliceHook = await addEndpoint(store, alice, receiver.url);
  const bobHook = await addEndpoint(store, bob, receiver.url + '?bob', ['transfer.completed']);
  await addEndpoint(store, bob, receiver.url + '?bob-debits', ['wallet.debited']); // bob is never debited

  const aliceWallet = await openWallet(alice);
  const bobWallet = await openWallet(bob);
  for (let index = 0; index < 3; index++) {
    await ledger.credit(callerOf(alice), { walletId: aliceWallet, amount: 1000 }, { idempotencyKey: `c-${index}` });
  }
  await ledger.credit(callerOf(alice), { walletId: aliceWallet, amount: 1000 }, { idempotencyKey: 'c-0' }); // replay: no new entry
  await ledger.debit(callerOf(alice), { walletId: aliceWallet, amount: 200 }, { idempotencyKey: 'd-0' });
  await ledger.transfer(
    callerOf(alice),
    { fromWalletId: aliceWallet, toWalletId: bobWallet, amount: 300 },
    { idempotencyKey: 't-0' },
  );

  const aliceEntries = await store.listTransactions(aliceWallet, { limit: 100 });
  const bobEntries = await store.listTransactions(bobWallet, { limit: 100 });
  t.equal(aliceEntries.length, 5);
  t.equal(bobEntries.length, 1);
  const entries = new Map([...aliceEntries, ...bobEntries].map((entry) => [entry.id, entry]));

  await launchWorker();
  t.ok(await waitFor(() => receiver.requests.length >= 6, 15_000), 'six deliveries arrive');
  await sleep(500); // room for a duplicate to show up
  t.equal(receiver.requests.length, 6, 'no duplicate delivery');

  const ids = receiver.requests.map((request) => String(request.headers['webhook-id']));
  t.same(new Set(ids), new Set(entries.keys()), 'one webhook-id per ledger entry');
  t.equal(new Set(ids).size, 6, 'each event id exactly once');
  for (const request of receiver.requests) {
    const body = JSON.parse(request.body) as { type: string; data: Record<string, unknown> };
    const entry = entries.get(String(request.headers['webhook-id']))!;
    const hook = entry.walletId === bobWallet ? bobHook : aliceHook;
    t.equal(
      request.headers['webhook-signature'],
      expectedSignature(hook.secret, request),
      `signature of ${entry.type}`,
    );
    t.ok(
      Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000) < 60,
      'timestamp is unix seconds, now',
    );
    t.equal(request.headers['content-type'], 'application/json');
    t.equal(body.data.transactionId, entry.id);
    t.equal(body.data.amount, entry.amount);
    t.equal(body.data.balanceAfter, entry.balanceAfter);
    t.equal(body.data.walletId, entry.walletId);
    t.equal(body.data.occurredAt, entry.createdAt);
    t.equal(
      body.type,
      {
        credit: 'wallet.credited',
        debit: 'wallet.debited',
        transfer_in: 'transfer.completed',
        transfer_out: 'transfer.completed',
        capture: 'hold.captured',
        capture_in: 'hold.captured',
        reversal: 'transaction.reversed',
      }[entry.type],
    );
  }
  const wrongKey = { ...aliceHook, secret: generateWebhookSecret() };
  t.not(
    receiver.requests[0]!.headers['webhook-signature'],
    expectedSignature(wrongKey.secret, receiver.requests[0]!),
    'another key does not verify',
  );
});

t.test('a receiver failing the first 3 attempts is retried with growing delays, then delivered', async (t) => {
  const { store, ledger, openWallet, launchWorker } = await workerFixture(t, {
    WEBHOOK_BACKOFF_MS: '200',
    WEBHOOK_ATTEMPTS: '5',
  });
  const receiver = await startReceiver(t, (_request, index) => (index < 3 ? 503 : 200));
  const user = `carol-${randomUUID()}`;
  await addEndpoint(store, user, receiver.url);
  const wallet = await openWallet(user);
  await ledger.credit(callerOf(user), { walletId: wallet, amount: 42 }, { idempotencyKey: 'only' });

  const worker = await launchWorker();
  t.ok(await waitFor(() => receiver.requests.length >= 4, 15_000), 'fourth attempt arrives');
  await sleep(300);
  t.equal(receiver.requests.length, 4, 'no attempt after the success');
  t.equal(
    new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size,
    1,
    'same webhook-id on every attempt',
  );
  const gapsMs = receiver.requests.slice(1).map((request, index) => request.atMs - receiver.requests[index]!.atMs);
  // Equal jitter: retry n waits at least base * 2^(n-1) / 2.
  t.ok(gapsMs[0]! >= 95, `first retry waited ${gapsMs[0]} ms >= 100`);
  t.ok(gapsMs[1]! >= 195, `second retry waited ${gapsMs[1]} ms >= 200`);
  t.ok(gapsMs[2]! >= 395, `third retry waited ${gapsMs[2]} ms >= 400`);
  t.ok(gapsMs[2]! > gapsMs[0]!, 'delays grow');
  const counts = await worker.queues.deliveries.getJobCounts('completed', 'failed');
  t.same(counts, { completed: 1, failed: 0 });
});

t.test('a 410 stops retrying: the job lands in the dead-letter set and can be re-driven', async (t) => {
  const { store, ledger, openWallet, launchWorker } = await workerFixture(t, { WEBHOOK_ATTEMPTS: '5' });
  let answer = 410;
  const receiver = await startReceiver(t, () => answer);
  const user = `dave-${randomUUID()}`;
  const hook = await addEndpoint(store, user, receiver.url);
  const wallet = await openWallet(user);
  await ledger.credit(callerOf(user), { walletId: wallet, amount: 7 }, { idempotencyKey: 'k' });
  const [entry] = await store.listTransactions(wallet, { limit: 1 });

  const worker = await launchWorker();
  t.ok(await waitFor(async () => (await worker.queues.deliveries.getFailedCount()) === 1, 15_000), 'delivery failed');
  await sleep(200);
  t.equal(receiver.requests.length, 1, 'a 410 is not retried');

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  t.teardown(() => redis.quit());
  const page = await listDeadLetters(redis, deadLetterSources(worker.queues), { limit: 10 });
  t.equal(page.items.length, 1);
  t.equal(page.nextCursor, null);
  t.match(page.items[0], {
    id: `${entry!.id}.${hook.id}`,
    queue: 'deliveries',
    eventId: entry!.id,
    endpointId: hook.id,
    userId: user,
    eventType: 'wallet.credited',
    attemptsMade: 1,
    failedReason: 'HTTP 410',
  });

  answer = 204;
  const retried = await retryDeadLetter(deadLetterSources(worker.queues), page.items[0]!.id);
  t.equal(retried?.id, page.items[0]!.id);
  t.ok(await waitFor(() => receiver.requests.length === 2, 10_000), 're-driven delivery arrives');
  t.ok(
    await waitFor(async () => (await worker.queues.deliveries.getCompletedCount()) === 1, 5000),
    'completed after re-drive',
  );
  t.equal(await worker.queues.deliveries.getFailedCount(), 0, 'dead-letter set empty');
  t.equal(
    await retryDeadLetter(deadLetterSources(worker.queues), page.items[0]!.id),
    null,
    'a completed job is no dead letter',
  );
  t.equal(await retryDeadLetter(deadLetterSources(worker.queues), 'no-such-job'), null);
});
