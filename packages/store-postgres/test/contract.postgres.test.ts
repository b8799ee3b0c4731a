// Goal: PostgresStore keeps every promise of the shared store contract (races, idempotency,
// history, outbox, audit, reconciliation, webhooks). Method: the suite from
// @wallet/ledger/contract against a real PostgreSQL, one fresh schema per case, dropped after.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import pg from 'pg';
import type { LedgerStore } from '@wallet/ledger';
import { storeContract } from '@wallet/ledger/contract';
import { PostgresStore } from '../src/index.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Two connections: schema drops and the reconciliation cases' direct balance writes.
const admin = new pg.Pool({ connectionString: url, max: 2 });
const schemas = new Map<LedgerStore, string>();

t.teardown(() => admin.end());

storeContract(t, {
  name: 'postgres',
  async create() {
    const schema = `t_${randomUUID().replaceAll('-', '')}`;
    const store = new PostgresStore({ connectionString: url, schema, poolMax: 20, statementTimeoutMs: 5000 });
    schemas.set(store, schema);
    await store.ready();
    return store;
  },
  async destroy(store) {
    const schema = schemas.get(store);
    schemas.delete(store);
    await store.close();
    if (schema) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  },
  async tamperBalance(store, walletId, balance) {
    const schema = schemas.get(store);
    if (!schema) throw new Error('tamperBalance: store not created by this target');
    await admin.query(`UPDATE "${schema}".wallets SET balance = $2 WHERE id = $1`, [walletId, balance]);
  },
  async tamperHeld(store, walletId, heldBalance) {
    const schema = schemas.get(store);
    if (!schema) throw new Error('tamperHeld: store not created by this target');
    await admin.query(`UPDATE "${schema}".wallets SET held_balance = $2 WHERE id = $1`, [walletId, heldBalance]);
  },
  async tamperReversed(store, entryId, reversedAmount) {
    const schema = schemas.get(store);
    if (!schema) throw new Error('tamperReversed: store not created by this target');
    await admin.query(`UPDATE "${schema}".ledger_entries SET reversed_amount = $2 WHERE id = $1`, [
      entryId,
      reversedAmount,
    ]);
  },
});
