// Goal: the PostgreSQL outbox watch (LISTEN on a dedicated connection, the migration's
// statement-level NOTIFY trigger) signals commits of its own schema only, survives its
// backend being killed, and leaves no connection behind. Method: real PostgreSQL, two fresh
// schemas, writes through LedgerService, the listener's backend found by its
// application_name in pg_stat_activity and ended with pg_terminate_backend.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import pg from 'pg';
import { LedgerService } from '@wallet/ledger';
import { PostgresStore } from '../src/index.js';
import { outboxListenerPids, waitFor } from '../../../test/support/wait-for.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const admin = new pg.Pool({ connectionString: url, max: 2 });
t.teardown(() => admin.end());

/** Far below the 60 s poll of the worker's notify test; room for a loaded 2-core machine. */
const SIGNAL_BOUND_MS = 2000;
/** Long enough for a signal that should not come to have come. */
const QUIET_MS = 300;

async function freshStore(t: Test): Promise<{ store: PostgresStore; schema: string; ledger: LedgerService }> {
  const schema = `t_${randomUUID().replaceAll('-', '')}`;
  // A name of its own, so this file finds its own listener and never another test's.
  const store = new PostgresStore({
    connectionString: url,
    schema,
    poolMax: 4,
    applicationName: `lt-${schema.slice(2, 14)}`,
  });
  await store.ready();
  t.teardown(async () => {
    await store.close().catch(() => undefined); // A case may have closed it already.
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  const ledger = new LedgerService(store, {
    maxAmountMinor: 1_000_000,
    retry: { attempts: 5, backoffMs: 2 },
    idempotencyTtlSeconds: 3600,
    cursorSecret: 'test-cursor-secret-at-least-32-bytes-long',
  });
  return { store, schema, ledger };
}

async function creditOnce(ledger: LedgerService, userId: string, walletId: string): Promise<void> {
  const caller = { userId, requestId: randomUUID(), ip: '127.0.0.1' };
  await ledger.credit(caller, { walletId, amount: 10 }, { idempotencyKey: randomUUID() });
}

async function openWallet(ledger: LedgerService): Promise<{ userId: string; walletId: string }> {
  const userId = `u-${randomUUID()}`;
  const result = await ledger.createWallet({ userId, requestId: randomUUID(), ip: '127.0.0.1' }, { currency: 'EUR' });
  return { userId, walletId: (result.body as { data: { id: string } }).data.id };
}

t.test('a commit signals the watch of its own schema, not the watch of another schema', async (t) => {
  const a = await freshStore(t);
  const b = await freshStore(t);
  let signalsA = 0;
  let signalsB = 0;
  await a.store.watchOutbox(() => (signalsA += 1));
  await b.store.watchOutbox(() => (signalsB += 1));
  t.ok(await waitFor(() => signalsA >= 1 && signalsB >= 1, SIGNAL_BOUND_MS), 'each watch signals once when open');
  const wallet = await openWallet(a.ledger);
  await sleep(QUIET_MS);
  const [beforeA, beforeB] = [signalsA, signalsB];
  await creditOnce(a.ledger, wallet.userId, wallet.walletId);
  t.ok(await waitFor(() => signalsA > beforeA, SIGNAL_BOUND_MS), "schema A's commit signals A");
  await sleep(QUIET_MS);
  t.equal(signalsB, beforeB, "schema B's watch ignores schema A's notification");
});

t.test('a commit notifies only when no older event waits unclaimed (the relay may be asleep)', async (t) => {
  const { store, ledger, schema } = await freshStore(t);
  let signals = 0;
  await store.watchOutbox(() => (signals += 1));
  const wallet = await openWallet(ledger);
  const other = await openWallet(ledger);
  t.ok(await waitFor(() => signals >= 1, SIGNAL_BOUND_MS), 'open');
  await sleep(QUIET_MS);
  const signalled = async (write: () => Promise<unknown>): Promise<boolean> => {
    const before = signals;
    await write();
    return waitFor(() => signals > before, QUIET_MS);
  };
  t.ok(await signalled(() => creditOnce(ledger, wallet.userId, wallet.walletId)), 'empty outbox: the commit signals');
  t.notOk(
    await signalled(() => creditOnce(ledger, wallet.userId, wallet.walletId)),
    'an older event waits unclaimed: no signal (one was sent for it)',
  );
  const claimed = await store.claimOutbox({ limit: 100, leaseMs: 60_000, owner: 'test' });
  t.equal(claimed.length, 2, 'the relay claims both');
  t.ok(
    await signalled(() => creditOnce(ledger, wallet.userId, wallet.walletId)),
    'older events are claimed (a round is running or done): the commit signals',
  );
  await store.claimOutbox({ limit: 100, leaseMs: 60_000, owner: 'test' });
  const caller = { userId: wallet.userId, requestId: randomUUID(), ip: '127.0.0.1' };
  t.ok(
    await signalled(() =>
      ledger.transfer(
        caller,
        { fromWalletId: wallet.walletId, toWalletId: other.walletId, amount: 5 },
        { idempotencyKey: randomUUID() },
      ),
    ),
    "a transfer's two events in one commit: its own first event does not silence it",
  );

  const { rows } = await admin.query(
    `SELECT tgconstraint <> 0 AS constraint_trigger, tgdeferrable, tginitdeferred FROM pg_trigger
      WHERE tgname = 'outbox_notify' AND tgrelid = $1::regclass`,
    [`${schema}.outbox`],
  );
  t.same(rows, [{ constraint_trigger: true, tgdeferrable: true, tginitdeferred: true }], 'checked at commit');
});

t.test('the listener reconnects after pg_terminate_backend and signals on reconnect', async (t) => {
  const { store, ledger, schema } = await freshStore(t);
  const name = `lt-${schema.slice(2, 14)}`;
  let signals = 0;
  let interruptions = 0;
  await store.watchOutbox(
    () => (signals += 1),
    () => (interruptions += 1),
  );
  const wallet = await openWallet(ledger);
  t.ok(
    await waitFor(async () => (await outboxListenerPids(admin, name)).length === 1, SIGNAL_BOUND_MS),
    'one listener backend',
  );
  const [firstPid] = await outboxListenerPids(admin, name);
  await sleep(QUIET_MS);

  const beforeKill = signals;
  await admin.query('SELECT pg_terminate_backend($1)', [firstPid]);
  // Written while the listener is away (its first retry waits about 100 ms): no NOTIFY reaches it.
  await creditOnce(ledger, wallet.userId, wallet.walletId);
  t.ok(await waitFor(() => interruptions === 1, SIGNAL_BOUND_MS), 'the loss is reported once');
  t.ok(
    await waitFor(async () => {
      const pids = await outboxListenerPids(admin, name);
      return pids.length === 1 && pids[0] !== firstPid;
    }, 10_000),
    'a new listener backend replaced the killed one',
  );
  t.ok(await waitFor(() => signals > beforeKill, SIGNAL_BOUND_MS), 'the reconnect signals (covers the missed commit)');

  // The relay's part: claim what is waiting, so the next commit finds no older unclaimed event.
  t.equal((await store.claimOutbox({ limit: 100, leaseMs: 60_000, owner: 'test' })).length, 1, 'the missed event');
  await sleep(QUIET_MS);
  const afterReconnect = signals;
  await creditOnce(ledger, wallet.userId, wallet.walletId);
  t.ok(await waitFor(() => signals > afterReconnect, SIGNAL_BOUND_MS), 'later commits signal again');
});

t.test("store.close() ends open watches and their connection; a watch on a dead server doesn't throw", async (t) => {
  const { store, schema } = await freshStore(t);
  const name = `lt-${schema.slice(2, 14)}`;
  await store.watchOutbox(() => undefined);
  t.equal((await outboxListenerPids(admin, name)).length, 1, 'listening');
  await store.close();
  t.ok(
    await waitFor(async () => (await outboxListenerPids(admin, name)).length === 0, SIGNAL_BOUND_MS),
    'no listener left',
  );

  // Port 9 (discard) refuses: the watch resolves, retries in the background, and closes cleanly.
  const down = new PostgresStore({
    connectionString: 'postgres://postgres@127.0.0.1:9/postgres',
    connectTimeoutMs: 500,
  });
  let interruptions = 0;
  const watch = await down.watchOutbox(
    () => t.fail('no signal without a connection'),
    () => (interruptions += 1),
  );
  await sleep(QUIET_MS);
  await watch.close();
  await down.close();
  t.equal(interruptions, 0, 'a connection that never opened is not reported as lost');
});
