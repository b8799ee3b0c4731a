// Goal: each write costs the round trips docs/architecture.md states (credit 1, hold 1,
// capture 1, void 1, reversal 4 like a transfer, one sweep batch 4), so a change that adds one
// shows here. Method: a real PostgreSQL; every query node-postgres sends on any client of the
// store's pool is counted (Client.prototype.query), one operation at a time.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import pg from 'pg';
import { LedgerService, type WriteResult } from '@wallet/ledger';
import { PostgresStore } from '../src/index.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `t_${randomUUID().replaceAll('-', '')}`;
const admin = new pg.Pool({ connectionString: url, max: 1 });
const store = new PostgresStore({ connectionString: url, schema, poolMax: 4 });
const ledger = new LedgerService(store, {
  maxAmountMinor: 100_000_000_000,
  retry: { attempts: 3, backoffMs: 2 },
  idempotencyTtlSeconds: 3600,
  cursorSecret: 'cursor-secret-for-tests-0123456789abcdef',
});

t.teardown(async () => {
  await store.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

const original = pg.Client.prototype.query;
let counted = 0;
/** Round trips `run` makes; the pool's connections are already open (warmed up before). */
async function roundTrips<T>(run: () => Promise<T>): Promise<{ trips: number; value: T }> {
  counted = 0;
  const value = await run();
  return { trips: counted, value };
}

t.before(async () => {
  await store.ready();
  pg.Client.prototype.query = function counting(this: pg.Client, ...args: unknown[]) {
    counted += 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
});
t.teardown(() => {
  pg.Client.prototype.query = original;
});

const caller = (userId: string) => ({ userId, requestId: randomUUID(), ip: '127.0.0.1' });
const key = () => ({ idempotencyKey: randomUUID() });
const data = <T>(result: WriteResult) => (result.body as { data: T }).data;

t.test('round trips per write', async (t) => {
  const alice = caller('alice');
  const wallet = data<{ id: string }>(await ledger.createWallet(alice, { currency: 'USD' }));
  const other = data<{ id: string }>(await ledger.createWallet(caller('bob'), { currency: 'USD' }));
  await Promise.all([1, 2, 3, 4].map(() => ledger.getWallet('alice', wallet.id))); // open the pool's connections

  const credit = await roundTrips(() => ledger.credit(alice, { walletId: wallet.id, amount: 1000 }, key()));
  t.equal(credit.trips, 1, 'credit: one statement');
  const hold = await roundTrips(() => ledger.createHold(alice, { walletId: wallet.id, amount: 300 }, key()));
  t.equal(hold.trips, 1, 'hold: one statement, like a credit');
  const holdId = data<{ hold: { id: string } }>(hold.value).hold.id;
  const refused = await roundTrips(() => ledger.createHold(alice, { walletId: wallet.id, amount: 5000 }, key()));
  t.equal(refused.trips, 2, 'a remembered refusal: the statement, then the record (as for a debit)');
  const capture = await roundTrips(() =>
    ledger.captureHold(alice, holdId, { amount: 100, toWalletId: other.id }, key()),
  );
  t.equal(capture.trips, 1, 'capture into another wallet: one statement, like a credit');
  const second = data<{ hold: { id: string } }>(
    await ledger.createHold(alice, { walletId: wallet.id, amount: 50 }, key()),
  );
  const voided = await roundTrips(() => ledger.voidHold(alice, second.hold.id, {}, key()));
  t.equal(voided.trips, 1, 'void: one statement');
  const late = await roundTrips(() => ledger.voidHold(alice, second.hold.id, {}, key()));
  t.equal(late.trips, 2, 'a remembered refusal (hold_not_active): the statement, then the record');
  const creditId = data<{ transactionId: string }>(credit.value).transactionId;
  const reversal = await roundTrips(() => ledger.reverseTransaction(alice, creditId, { amount: 10 }, key()));
  t.equal(reversal.trips, 4, 'reversal: BEGIN, lock, write, COMMIT');
  const transfer = await roundTrips(() =>
    ledger.transfer(alice, { fromWalletId: wallet.id, toWalletId: other.id, amount: 1 }, key()),
  );
  t.equal(transfer.trips, 4, 'transfer, for comparison');
  await ledger.createHold(alice, { walletId: wallet.id, amount: 5, expiresInSeconds: 1 }, key());
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const sweep = await roundTrips(() => ledger.expireHolds({ limit: 100 }));
  t.equal(sweep.value, 1);
  t.equal(sweep.trips, 4, 'a sweep batch: BEGIN, lock, write, COMMIT');
  const idle = await roundTrips(() => ledger.expireHolds({ limit: 100 }));
  t.equal(idle.trips, 3, 'an empty sweep: BEGIN, lock, ROLLBACK');
});
