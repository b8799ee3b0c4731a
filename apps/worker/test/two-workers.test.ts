// Goal: two workers running at once (and a relay that runs twice) deliver each event id
// once, and both take part (each relays and delivers some). Method: two workers over one
// PostgreSQL schema and one Redis prefix with small relay batches; then every outbox row is
// made unpublished again so both relays re-send everything, which BullMQ must ignore
// (job id = <eventId>.<endpointId>).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t from 'tap';
import { DATABASE_URL, addEndpoint, callerOf, startReceiver, waitFor, workerFixture } from './helper.js';

t.test('two workers deliver each event id exactly once', async (t) => {
  const { schema, store, ledger, openWallet, launchWorker } = await workerFixture(t, {
    OUTBOX_BATCH_SIZE: '3',
    WORKER_CONCURRENCY: '4',
  });
  const receiver = await startReceiver(t);
  const users = [0, 1, 2].map((index) => `user${index}-${randomUUID()}`);
  const wallets: string[] = [];
  for (const user of users) {
    await addEndpoint(store, user, receiver.url);
    wallets.push(await openWallet(user));
  }
  const write = (round: number) =>
    Promise.all(
      users.map((user, index) =>
        ledger.credit(callerOf(user), { walletId: wallets[index]!, amount: 5 }, { idempotencyKey: `r${round}` }),
      ),
    );
  for (let round = 0; round < 6; round++) await write(round); // 18 events waiting before the workers start

  const [first, second] = await Promise.all([launchWorker(), launchWorker()]);
  for (let round = 6; round < 10; round++) await write(round); // 12 more while both run
  t.ok(await waitFor(() => receiver.requests.length >= 30, 20_000), '30 deliveries arrive');
  await sleep(500);
  const ids = receiver.requests.map((request) => String(request.headers['webhook-id']));
  t.equal(ids.length, 30, 'no duplicates');
  t.equal(new Set(ids).size, 30, 'thirty distinct event ids');

  const metric = async (worker: typeof first, pattern: RegExp) => {
    const text = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
    return Number(pattern.exec(text)?.[1] ?? 0);
  };
  const relayed = (worker: typeof first) => metric(worker, /^wallet_worker_outbox_relayed_total (\d+)$/m);
  const delivered = (worker: typeof first) =>
    metric(worker, /^wallet_worker_jobs_total\{queue="webhook-deliveries",outcome="completed"\} (\d+)$/m);
  const [relayedFirst, relayedSecond] = [await relayed(first), await relayed(second)];
  const [deliveredFirst, deliveredSecond] = [await delivered(first), await delivered(second)];
  t.equal(relayedFirst + relayedSecond, 30, 'each event relayed by exactly one worker');
  t.equal(deliveredFirst + deliveredSecond, 30, 'each delivery job completed by exactly one worker');
  t.ok(relayedFirst > 0 && relayedSecond > 0, `both workers relayed (${relayedFirst} + ${relayedSecond})`);
  t.ok(deliveredFirst > 0 && deliveredSecond > 0, `both workers delivered (${deliveredFirst} + ${deliveredSecond})`);

  // Force a second relay of every event, as after a crash between enqueue and mark-published.
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const reset = await client.query(
    `UPDATE ${schema}.outbox SET published_at = NULL, claimed_by = NULL, claimed_until = NULL`,
  );
  await client.end();
  t.equal(reset.rowCount, 30);
  t.ok(await waitFor(async () => (await store.outboxLagSeconds()) === 0, 10_000), 're-published');
  t.ok((await relayed(first)) + (await relayed(second)) >= 60, 'relays sent everything again');
  await sleep(500);
  t.equal(receiver.requests.length, 30, 'a relay that runs twice enqueues once');
  t.equal(await first.queues.deliveries.getCompletedCount(), 30, 'one delivery job per event id and endpoint');
});
