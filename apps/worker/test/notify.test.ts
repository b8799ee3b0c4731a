// Goal: the relay learns of committed outbox events from the store's signal (PostgreSQL
// LISTEN/NOTIFY), not from its poll: with OUTBOX_POLL_MS at 60 s a credit's webhook still
// arrives within a second; after the listener's backend is killed it reconnects and nothing
// is lost; with the trigger gone the poll alone still delivers. Method: real PostgreSQL and
// Redis, a started worker whose store has an application_name of its own (so its listener's
// backend can be found in pg_stat_activity), a loopback receiver, credits via LedgerService.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import pg from 'pg';
import pino from 'pino';
import { PostgresStore } from '@wallet/store-postgres';
import { buildWorker } from '../src/worker.js';
import {
  DATABASE_URL,
  addEndpoint,
  callerOf,
  startReceiver,
  waitFor,
  workerFixture,
  type Receiver,
  type WorkerFixture,
} from './helper.js';
import { outboxListenerPids } from '../../../test/support/wait-for.js';

/** The poll of the fast-path cases: a webhook that arrives sooner came by the signal. */
const POLL_OFF_MS = '60000';
/**
 * Commit → received bound. Measured at 5-30 ms on the shared 2-core box (tens of ms under
 * load); 1 s leaves room for a loaded machine and is still 60 times below the poll.
 */
const FAST_BOUND_MS = 1000;
const CREDITS = 10;

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
t.teardown(() => admin.end());

interface Started {
  fixture: WorkerFixture;
  receiver: Receiver;
  userId: string;
  walletId: string;
  applicationName: string;
  worker: ReturnType<typeof buildWorker>;
}

/** A fixture, a receiver, a user with an endpoint and a wallet, and a started worker. */
async function started(t: Test, overrides: Record<string, string>, beforeStart?: (schema: string) => Promise<void>) {
  const fixture = await workerFixture(t, overrides);
  const receiver = await startReceiver(t);
  const userId = `notify-${randomUUID()}`;
  await addEndpoint(fixture.store, userId, receiver.url);
  const walletId = await fixture.openWallet(userId);
  await beforeStart?.(fixture.schema);
  const applicationName = `nt-${randomUUID().slice(0, 8)}`;
  const store = new PostgresStore({
    connectionString: DATABASE_URL,
    schema: fixture.schema,
    poolMax: 5,
    applicationName,
  });
  const worker = buildWorker({ config: fixture.config, store, logger: pino({ level: 'silent' }) });
  t.teardown(() => worker.close());
  await worker.start();
  await sleep(300); // The start-up rounds are over: the relay now sits in its 60 s pause.
  return { fixture, receiver, userId, walletId, applicationName, worker } satisfies Started;
}

/** Commits a credit and returns how long until its webhook arrived (Infinity if not within waitMs). */
async function creditLatencyMs(s: Started, waitMs: number): Promise<number> {
  const startedMs = Date.now();
  const result = await s.fixture.ledger.credit(
    callerOf(s.userId),
    { walletId: s.walletId, amount: 100 },
    { idempotencyKey: randomUUID() },
  );
  const id = (result.body as { data: { transactionId: string } }).data.transactionId;
  const find = () => s.receiver.requests.find((request) => request.headers['webhook-id'] === id);
  if (!(await waitFor(() => find() !== undefined, waitMs, 2))) return Infinity;
  return find()!.atMs - startedMs;
}

async function wakeups(s: Started, source: 'notify' | 'poll'): Promise<number> {
  const { values } = await s.worker.metrics.relayWakeups.get();
  return values.find((value) => value.labels.source === source)?.value ?? 0;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

t.test('with the poll at 60 s, each credit is delivered within a second: the signal woke the relay', async (t) => {
  const s = await started(t, { OUTBOX_POLL_MS: POLL_OFF_MS });
  const latencies: number[] = [];
  for (let index = 0; index < CREDITS; index++) latencies.push(await creditLatencyMs(s, FAST_BOUND_MS * 3));
  t.comment(`commit → received: median ${median(latencies)} ms, max ${Math.max(...latencies)} ms`);
  t.ok(
    latencies.every((ms) => ms < FAST_BOUND_MS),
    `every credit arrived within ${FAST_BOUND_MS} ms (${latencies.join(', ')})`,
  );
  t.equal(s.receiver.requests.length, CREDITS, 'one delivery per credit');
  t.ok((await wakeups(s, 'notify')) >= 1, 'wake-ups counted as notify');
  t.equal(await wakeups(s, 'poll'), 0, 'the 60 s poll never ran out');
});

t.test(
  'the listener backend killed: it reconnects, the credit written meanwhile and later ones arrive fast',
  async (t) => {
    const s = await started(t, { OUTBOX_POLL_MS: POLL_OFF_MS });
    t.ok((await creditLatencyMs(s, FAST_BOUND_MS * 3)) < FAST_BOUND_MS, 'fast before the kill');
    const [pid] = await outboxListenerPids(admin, s.applicationName);
    t.ok(pid, 'the worker has a listener backend');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // Committed while the listener is away: no NOTIFY reaches it, the reconnect's signal does.
    t.ok(
      (await creditLatencyMs(s, FAST_BOUND_MS * 3)) < FAST_BOUND_MS + 500,
      'the credit committed during the reconnect arrives (reconnect signal, not the 60 s poll)',
    );
    t.ok(
      await waitFor(async () => {
        const pids = await outboxListenerPids(admin, s.applicationName);
        return pids.length === 1 && pids[0] !== pid;
      }, 5000),
      'a new listener backend',
    );
    const after: number[] = [];
    for (let index = 0; index < 3; index++) after.push(await creditLatencyMs(s, FAST_BOUND_MS * 3));
    t.ok(
      after.every((ms) => ms < FAST_BOUND_MS),
      `later credits arrive fast again (${after.join(', ')} ms)`,
    );
    t.equal(s.receiver.requests.length, 5, 'every credit delivered once');
  },
);

t.test('without notifications (trigger dropped) the poll still delivers: the safety net', async (t) => {
  const s = await started(t, { OUTBOX_POLL_MS: '400' }, async (schema) => {
    await admin.query(`DROP TRIGGER outbox_notify ON ${schema}.outbox`);
  });
  const latencies: number[] = [];
  for (let index = 0; index < 3; index++) latencies.push(await creditLatencyMs(s, 10_000));
  t.ok(
    latencies.every((ms) => ms < 10_000),
    `each credit arrives by the poll (${latencies.join(', ')} ms)`,
  );
  t.ok((await wakeups(s, 'poll')) >= 1, 'wake-ups counted as poll');
  t.equal(s.receiver.requests.length, 3, 'one delivery per credit');
});
