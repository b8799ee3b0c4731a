// Goal: PostgresStore keeps every promise of the shared store contract (races, idempotency,
// history, outbox, audit, reconciliation, webhooks). Method: the suite from
// @wallet/ledger/contract against a real PostgreSQL, one fresh schema per case, dropped after.
import t from 'tap';
import pg from 'pg';
import { namedStores, storeContract } from '@wallet/ledger/contract';
import { PostgresStore } from '../src/index.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Two connections: schema drops and the reconciliation cases' direct balance writes.
const admin = new pg.Pool({ connectionString: url, max: 2 });
const stores = namedStores(
  (schema) => new PostgresStore({ connectionString: url, schema, poolMax: 20, statementTimeoutMs: 5000 }),
  async (schema) => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  },
);

t.teardown(() => admin.end());

storeContract(t, {
  name: 'postgres',
  create: stores.create,
  destroy: stores.destroy,
  async tamperBalance(store, walletId, balance) {
    const schema = stores.nameOf(store, 'tamperBalance');
    await admin.query(`UPDATE "${schema}".wallets SET balance = $2 WHERE id = $1`, [walletId, balance]);
  },
  async tamperHeld(store, walletId, heldBalance) {
    const schema = stores.nameOf(store, 'tamperHeld');
    await admin.query(`UPDATE "${schema}".wallets SET held_balance = $2 WHERE id = $1`, [walletId, heldBalance]);
  },
  async tamperReversed(store, entryId, reversedAmount) {
    const schema = stores.nameOf(store, 'tamperReversed');
    await admin.query(`UPDATE "${schema}".ledger_entries SET reversed_amount = $2 WHERE id = $1`, [
      entryId,
      reversedAmount,
    ]);
  },
});
