// Goal: the PostgreSQL adapter's own guarantees beyond the shared contract — idempotent,
// concurrent-safe migrations, database-level invariants, no deadlock between opposite
// transfers, explicit timeouts, and 503-style errors with recovery when connections die.
// Method: a real PostgreSQL, one fresh schema per test file, direct SQL where needed.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import pg from 'pg';
import { LedgerService, StoreUnavailable } from '@wallet/ledger';
import { MIGRATIONS, PostgresStore } from '../src/index.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `t_${randomUUID().replaceAll('-', '')}`;
const admin = new pg.Pool({ connectionString: url, max: 2 });
const stores: PostgresStore[] = [];
const newStore = (options: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {}) => {
  const store = new PostgresStore({ connectionString: url, schema, poolMax: 10, statementTimeoutMs: 3000, ...options });
  stores.push(store);
  return store;
};

t.teardown(async () => {
  await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

const store = newStore();
const ledger = new LedgerService(store, {
  maxAmountMinor: 100_000_000_000,
  retry: { attempts: 5, backoffMs: 2 },
  idempotencyTtlSeconds: 3600,
  cursorSecret: 'cursor-secret-for-tests-0123456789abcdef',
});
/** A ledger that does not retry a conflict, so a store failure surfaces on the first attempt. */
const singleAttemptLedger = (target: PostgresStore) =>
  new LedgerService(target, {
    maxAmountMinor: 100_000_000_000,
    retry: { attempts: 1, backoffMs: 1 },
    idempotencyTtlSeconds: 3600,
    cursorSecret: 'x'.repeat(32),
  });
const caller = (userId: string) => ({ userId, requestId: randomUUID(), ip: '127.0.0.1' });

t.test('migrations run once, also from several processes at once', async (t) => {
  await Promise.all([store.ready(), newStore().ready(), newStore().ready()]);
  await newStore().ready();
  const { rows } = await admin.query(
    `SELECT version, count(*)::int AS n FROM ${schema}.schema_migrations GROUP BY version`,
  );
  t.same(
    rows.map((row) => Number(row.version)).sort((a, b) => a - b),
    MIGRATIONS.map((migration) => migration.version),
    'every migration applied',
  );
  t.ok(
    rows.every((row) => row.n === 1),
    'each migration recorded exactly once',
  );
});

t.test('the database itself refuses broken money', async (t) => {
  const userId = randomUUID();
  const created = await ledger.createWallet(caller(userId), { currency: 'EUR' });
  const walletId = (created.body as { data: { id: string } }).data.id;
  await t.rejects(
    admin.query(`UPDATE ${schema}.wallets SET balance = -1 WHERE id = $1`, [walletId]),
    { code: '23514' },
    'CHECK balance >= 0',
  );
  await t.rejects(
    admin.query(`UPDATE ${schema}.wallets SET balance = 9007199254740992 WHERE id = $1`, [walletId]),
    { code: '23514' },
    'CHECK balance <= 2^53-1',
  );
  await t.rejects(
    admin.query(
      `INSERT INTO ${schema}.wallets (id, user_id, currency, created_at, updated_at) VALUES ($1, $2, 'EUR', now(), now())`,
      [randomUUID(), userId],
    ),
    { code: '23505' },
    'one wallet per user per currency',
  );
  await t.rejects(
    admin.query(
      `INSERT INTO ${schema}.ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, metadata, created_at)
                 VALUES ($1, $2, 1, 'credit', 10, 0, 11, '{}', now())`,
      [randomUUID(), walletId],
    ),
    { code: '23514' },
    'an entry must add up',
  );
});

t.test('opposite transfers on the same pair never deadlock and conserve money', async (t) => {
  const [alice, bob] = [randomUUID(), randomUUID()];
  const a = (await ledger.createWallet(caller(alice), { currency: 'USD' })).body as { data: { id: string } };
  const b = (await ledger.createWallet(caller(bob), { currency: 'USD' })).body as { data: { id: string } };
  await ledger.credit(caller(alice), { walletId: a.data.id, amount: 10_000 }, { idempotencyKey: randomUUID() });
  await ledger.credit(caller(bob), { walletId: b.data.id, amount: 10_000 }, { idempotencyKey: randomUUID() });
  const started = Date.now();
  const moves = Array.from({ length: 40 }, (_, i) =>
    i % 2 === 0
      ? ledger.transfer(
          caller(alice),
          { fromWalletId: a.data.id, toWalletId: b.data.id, amount: 7 },
          { idempotencyKey: randomUUID() },
        )
      : ledger.transfer(
          caller(bob),
          { fromWalletId: b.data.id, toWalletId: a.data.id, amount: 5 },
          { idempotencyKey: randomUUID() },
        ),
  );
  const results = await Promise.all(moves);
  t.ok(
    results.every((result) => result.statusCode === 200),
    'every transfer applied',
  );
  // A deadlock costs deadlock_timeout (1 s) before PostgreSQL breaks it; none may happen.
  t.ok(Date.now() - started < 5000, 'no deadlock stalls');
  const walletA = await ledger.getWallet(alice, a.data.id);
  const walletB = await ledger.getWallet(bob, b.data.id);
  t.equal(walletA.balance, 10_000 - 20 * 7 + 20 * 5);
  t.equal(walletB.balance, 10_000 + 20 * 7 - 20 * 5);
  t.equal(walletA.balance + walletB.balance, 20_000, 'money conserved');
  t.equal(walletA.version, 41);
});

t.test('the statement timeout bounds a write stuck behind a lock: 503, never a hang', async (t) => {
  const impatient = newStore({ statementTimeoutMs: 300 });
  await impatient.ready();
  const impatientLedger = singleAttemptLedger(impatient);
  const userId = randomUUID();
  const wallet = (await ledger.createWallet(caller(userId), { currency: 'GBP' })).body as { data: { id: string } };
  const holder = await admin.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT * FROM ${schema}.wallets WHERE id = $1 FOR UPDATE`, [wallet.data.id]);
    const started = Date.now();
    await t.rejects(
      impatientLedger.credit(caller(userId), { walletId: wallet.data.id, amount: 5 }, { idempotencyKey: randomUUID() }),
      StoreUnavailable,
    );
    t.ok(Date.now() - started < 2000, 'gave up after about the statement timeout');
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
  const after = await ledger.getWallet(userId, wallet.data.id);
  t.equal(after.balance, 0, 'the timed-out credit changed nothing');
  t.equal(after.version, 0);
});

t.test('a dead database answers StoreUnavailable, and the pool recovers by itself', async (t) => {
  const nowhere = newStore({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', connectTimeoutMs: 500 });
  await t.rejects(nowhere.ping(), StoreUnavailable, 'nothing listening → unavailable');
  await t.rejects(nowhere.getWallet('u', randomUUID()), StoreUnavailable);

  // A name of its own: other test files run at the same time and their sessions must live.
  const applicationName = `victim-${randomUUID()}`;
  const victim = newStore({ poolMax: 2, schema, applicationName });
  await victim.ready();
  await victim.ping();
  const victimLedger = singleAttemptLedger(victim);
  const userId = randomUUID();
  const wallet = (await ledger.createWallet(caller(userId), { currency: 'CHF' })).body as { data: { id: string } };
  // A credit of the victim waits on a row lock; its connection is killed from the server side while it waits.
  const holder = await admin.connect();
  let pending: Promise<unknown>;
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT * FROM ${schema}.wallets WHERE id = $1 FOR UPDATE`, [wallet.data.id]);
    pending = victimLedger.credit(
      caller(userId),
      { walletId: wallet.data.id, amount: 9 },
      { idempotencyKey: randomUUID() },
    );
    pending.catch(() => undefined);
    let waiting = 0;
    for (let attempt = 0; attempt < 100 && waiting === 0; attempt++) {
      const { rowCount } = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [applicationName],
      );
      waiting = rowCount ?? 0;
      if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    t.equal(waiting, 1, 'the credit is waiting on the lock');
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    t.ok(killed.rowCount! >= 1, 'the store had live connections to kill');
    await t.rejects(pending, StoreUnavailable, 'a query on a killed connection is unavailable, not a driver error');
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
  let recovered = false;
  for (let attempt = 0; attempt < 20 && !recovered; attempt++) {
    recovered = await victim.ping().then(
      () => true,
      () => false,
    );
    if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.ok(recovered, 'the next queries reconnect');
  t.equal((await victim.getWallet(userId, wallet.data.id))?.balance, 0, 'the killed credit changed nothing');
  const again = await victimLedger.credit(
    caller(userId),
    { walletId: wallet.data.id, amount: 9 },
    { idempotencyKey: randomUUID() },
  );
  t.equal(again.statusCode, 200, 'a write through the same store works again');
});
