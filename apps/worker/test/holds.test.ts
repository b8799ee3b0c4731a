// Goal: the worker releases expired holds within 10 s of expiresAt (DESIGN.md §3 Expiry), exactly once even with two
// workers sweeping the same database, and delivers every hold and reversal event as a signed webhook to endpoints
// subscribed by `events`. Method: real PostgreSQL (LedgerService + PostgresStore) and Redis, started workers, a
// loopback receiver; signatures are re-computed here with node:crypto, not with the code under test.
import { createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import pg from 'pg';
import pino from 'pino';
import type { OutboxEventType } from '@wallet/ledger';
import { HoldExpirySweeper } from '../src/processors/hold-expiry.js';
import { WorkerMetrics } from '../src/metrics.js';
import {
  DATABASE_URL,
  callerOf,
  addEndpoint,
  ledgerFor,
  ledgerFixture,
  newWallet,
  startReceiver,
  startWorker,
  waitFor,
  workerFixture,
  writerStore,
  type ReceivedRequest,
} from './helper.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function signatureOf(secret: string, request: ReceivedRequest): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const content = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`;
  return 'v1,' + createHmac('sha256', key).update(content).digest('base64');
}

const dataOf = (result: { body: unknown }): Json => (result.body as { data: Json }).data;

/** Holds of `amount` with a 1 s lifetime on a fresh wallet credited with `balance`. */
async function expiringHolds(ledger: ReturnType<typeof ledgerFor>, user: string, count: number, balance: number) {
  const walletId = await newWallet(ledger, user);
  await ledger.credit(callerOf(user), { walletId, amount: balance }, { idempotencyKey: 'fund' });
  const holds: Json[] = [];
  for (let index = 0; index < count; index++) {
    const result = await ledger.createHold(
      callerOf(user),
      { walletId, amount: 10, expiresInSeconds: 1 },
      { idempotencyKey: `hold-${index}` },
    );
    holds.push(dataOf(result).hold);
  }
  return { walletId, holds };
}

t.test('holds with a 1 s lifetime are released within 10 s of expiresAt and announced signed', async (t) => {
  const { schema, config, store, ledger } = await workerFixture(t);
  const receiver = await startReceiver(t);
  const user = `alice-${randomUUID()}`;
  const hook = await addEndpoint(store, user, receiver.url, ['hold.expired']);
  const { walletId, holds } = await expiringHolds(ledger, user, 3, 1000);
  t.match(await ledger.getWallet(user, walletId), { balance: 1000, heldBalance: 30, availableBalance: 970 });

  await startWorker(t, config, schema);
  const lastExpiryMs = Math.max(...holds.map((hold) => Date.parse(hold.expiresAt)));
  const released = await waitFor(async () => {
    const states = await Promise.all(holds.map((hold) => ledger.getHold(user, hold.id)));
    return states.every((hold) => hold.status === 'expired');
  }, 15_000);
  const releasedAtMs = Date.now();
  t.ok(released, 'every hold is expired');
  t.ok(releasedAtMs - lastExpiryMs < 10_000, `released ${releasedAtMs - lastExpiryMs} ms after expiresAt`);
  t.match(await ledger.getWallet(user, walletId), { balance: 1000, heldBalance: 0, availableBalance: 1000 });

  t.ok(await waitFor(() => receiver.requests.length >= 3, 10_000), 'three hold.expired webhooks');
  await sleep(300);
  t.equal(receiver.requests.length, 3, 'no duplicate');
  for (const request of receiver.requests) {
    const body = JSON.parse(request.body) as { type: string; data: Json };
    t.equal(body.type, 'hold.expired');
    t.equal(request.headers['webhook-signature'], signatureOf(hook.secret, request), 'signed with the endpoint secret');
    t.equal(body.data.walletId, walletId);
  }
  const announced = receiver.requests.map((request) => JSON.parse(request.body).data.holdId);
  t.same(new Set(announced), new Set(holds.map((hold) => hold.id)), 'one event per hold');
});

t.test('two workers sweeping one database never release a hold twice', async (t) => {
  const { schema, config, store, ledger } = await workerFixture(t);
  const receiver = await startReceiver(t);
  const user = `bob-${randomUUID()}`;
  await addEndpoint(store, user, receiver.url, ['hold.expired']);
  const { walletId, holds } = await expiringHolds(ledger, user, 60, 1000);
  await sleep(1100); // every hold is due before the workers start, so both find the same backlog at once

  const workers = await Promise.all([startWorker(t, config, schema), startWorker(t, config, schema)]);
  t.ok(await waitFor(() => receiver.requests.length >= holds.length, 20_000), 'every hold announced');
  await sleep(1500); // two more sweep rounds: room for a second release to show up
  const releasedCounts = await Promise.all(
    workers.map(async (worker) => (await worker.metrics.holdsExpired.get()).values[0]?.value ?? 0),
  );
  t.equal(
    releasedCounts.reduce((sum, count) => sum + count, 0),
    holds.length,
    `releases by worker: ${releasedCounts}`,
  );
  t.equal(receiver.requests.length, holds.length, 'one hold.expired per hold');
  t.equal(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size, holds.length);
  t.match(await ledger.getWallet(user, walletId), { balance: 1000, heldBalance: 0, availableBalance: 1000 });
});

t.test('three sweepers racing over 200 due holds in batches of 10 release each hold exactly once', async (t) => {
  const { schema, ledger } = await ledgerFixture(t);
  const user = `dora-${randomUUID()}`;
  const { walletId, holds } = await expiringHolds(ledger, user, 200, 5000);
  await sleep(1100);
  const sweepers = await Promise.all(
    [0, 1, 2].map(async () => {
      const metrics = new WorkerMetrics();
      const source = ledgerFor(await writerStore(t, schema)); // a pool each, so the calls really overlap
      return {
        metrics,
        sweeper: new HoldExpirySweeper({ source, metrics, logger: pino({ level: 'silent' }), batchSize: 10 }),
      };
    }),
  );
  const released = await Promise.all(sweepers.map(({ sweeper }) => sweeper.sweepOnce()));
  t.equal(
    released.reduce((sum, count) => sum + count, 0),
    holds.length,
    `released per sweeper: ${released}`,
  );
  t.same(await Promise.all(sweepers.map(({ sweeper }) => sweeper.sweepOnce())), [0, 0, 0], 'nothing left to release');
  t.match(await ledger.getWallet(user, walletId), { balance: 5000, heldBalance: 0, availableBalance: 5000 });

  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  t.teardown(() => client.end());
  const events = await client.query<{ hold_id: string; n: string }>(
    `SELECT payload->>'holdId' AS hold_id, count(*) AS n FROM ${schema}.outbox WHERE type = 'hold.expired' GROUP BY 1`,
  );
  t.equal(events.rowCount, holds.length, 'one hold.expired event per hold');
  t.ok(
    events.rows.every((row) => row.n === '1'),
    'no hold announced twice',
  );
});

t.test('every hold and reversal event is delivered, signed, to the endpoints subscribed to it', async (t) => {
  const { schema, config, store, ledger } = await workerFixture(t);
  const receiver = await startReceiver(t);
  const user = `carol-${randomUUID()}`;
  const types: OutboxEventType[] = [
    'hold.created',
    'hold.captured',
    'hold.voided',
    'hold.expired',
    'transaction.reversed',
  ];
  const hook = await addEndpoint(store, user, `${receiver.url}?holds`, types);
  await addEndpoint(store, user, `${receiver.url}?credits`, ['wallet.credited']);

  const walletId = await newWallet(ledger, user);
  const caller = callerOf(user);
  const credit = dataOf(await ledger.credit(caller, { walletId, amount: 1000 }, { idempotencyKey: 'c' }));
  const captured = dataOf(await ledger.createHold(caller, { walletId, amount: 100 }, { idempotencyKey: 'h1' })).hold;
  await ledger.captureHold(caller, captured.id, { amount: 60 }, { idempotencyKey: 'cap' });
  const voided = dataOf(await ledger.createHold(caller, { walletId, amount: 100 }, { idempotencyKey: 'h2' })).hold;
  await ledger.voidHold(caller, voided.id, {}, { idempotencyKey: 'void' });
  const input = { walletId, amount: 100, expiresInSeconds: 1 };
  const expiring = dataOf(await ledger.createHold(caller, input, { idempotencyKey: 'h3' })).hold;
  await ledger.reverseTransaction(caller, credit.transaction.id, { amount: 50 }, { idempotencyKey: 'rev' });

  await startWorker(t, config, schema);
  // 3 hold.created + captured + voided + expired + reversed to ?holds, 1 credit to ?credits.
  t.ok(await waitFor(() => receiver.requests.length >= 8, 20_000), `deliveries: ${receiver.requests.length}`);
  await sleep(300);
  t.equal(receiver.requests.length, 8, 'each event once per matching endpoint, none to the others');
  const byType = new Map<string, Json[]>();
  for (const request of receiver.requests) {
    const body = JSON.parse(request.body) as { type: string; data: Json };
    byType.set(body.type, [...(byType.get(body.type) ?? []), body.data]);
    if (body.type === 'wallet.credited') continue;
    t.equal(request.headers['webhook-signature'], signatureOf(hook.secret, request), `${body.type} is signed`);
  }
  t.same([...byType.keys()].sort(), [...types, 'wallet.credited'].sort());
  t.equal(byType.get('hold.created')?.length, 3);
  t.same(
    byType
      .get('hold.created')!
      .map((data) => data.holdId)
      .sort(),
    [captured.id, voided.id, expiring.id].sort(),
  );
  t.match(byType.get('hold.captured')?.[0], { holdId: captured.id, walletId, amount: 60 });
  t.match(byType.get('hold.voided')?.[0], { holdId: voided.id, walletId });
  t.match(byType.get('hold.expired')?.[0], { holdId: expiring.id, walletId });
  t.match(byType.get('transaction.reversed')?.[0], { walletId, amount: 50 });
});
