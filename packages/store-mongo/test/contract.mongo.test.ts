// Goal: MongoStore keeps every promise of the shared store contract (races, idempotency,
// history, outbox, audit, reconciliation, webhooks). Method: the suite from
// @wallet/ledger/contract against the real replica set named by MONGO_URL, one fresh
// database per case, dropped after; without MONGO_URL the run is reported as skipped. A
// MONGO_URL that cannot be used (no server, not a replica set) fails in seconds with one
// clear line instead of every case waiting out its own timeout.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { withTimeout } from '@wallet/async';
import { Long, MongoClient } from 'mongodb';
import type { LedgerStore } from '@wallet/ledger';
import { namedStores, storeContract } from '@wallet/ledger/contract';
import { MongoStore } from '../src/index.js';

const SKIPPED = 'skipped: MONGO_URL not set';
/** Bound on the up-front check of MONGO_URL: server selection, hello, the schema. */
const PROBE_TIMEOUT_MS = 2000;
const url = process.env.MONGO_URL;

if (!url) {
  // No MongoDB server can be installed on every machine; say so rather than pass silently.
  console.log(SKIPPED);
  t.test(SKIPPED, { skip: 'MONGO_URL not set' }, async () => undefined);
} else {
  const unusable = await probe(url);
  if (unusable) t.fail(`MONGO_URL is set but MongoDB cannot be used: ${unusable}`);
  else runContract(url);
}

/** Null when a store on MONGO_URL gets ready; else why not (class name and message, no stack). */
async function probe(mongoUrl: string): Promise<string | null> {
  const store = new MongoStore({
    url: mongoUrl,
    dbName: `t_probe_${randomUUID().replaceAll('-', '')}`,
    poolMax: 2,
    operationTimeoutMs: PROBE_TIMEOUT_MS,
  });
  try {
    await withTimeout(store.ready(), PROBE_TIMEOUT_MS * 2, 'ready()');
    return null;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    await withTimeout(store.close(), PROBE_TIMEOUT_MS, 'close()').catch(() => undefined);
  }
}

function runContract(mongoUrl: string): void {
  // One small client for database drops and the reconciliation cases' direct balance writes.
  const admin = new MongoClient(mongoUrl, { maxPoolSize: 2, serverSelectionTimeoutMS: 5000 });
  const stores = namedStores(
    (dbName) => new MongoStore({ url: mongoUrl, dbName, poolMax: 20, operationTimeoutMs: 5000 }),
    async (dbName) => {
      await admin.db(dbName).dropDatabase();
    },
  );
  t.teardown(() => admin.close());

  /** A direct write of one numeric field of one wallet or entry, as the reconciliation cases corrupt a store. */
  async function tamper(
    store: LedgerStore,
    change: { what: string; row: 'wallet' | 'entry'; id: string; set: Record<string, number> },
  ): Promise<void> {
    const dbName = stores.nameOf(store, change.what);
    const $set = Object.fromEntries(
      Object.entries(change.set).map(([field, value]) => [field, Long.fromNumber(value)]),
    );
    const result = await admin
      .db(dbName)
      .collection<{ _id: string }>(change.row === 'wallet' ? 'wallets' : 'ledger_entries')
      .updateOne({ _id: change.id }, { $set });
    if (result.matchedCount !== 1) throw new Error(`${change.what}: no such ${change.row}`);
  }

  storeContract(t, {
    name: 'mongo',
    create: stores.create,
    destroy: stores.destroy,
    tamperBalance: (store, walletId, balance) =>
      tamper(store, { what: 'tamperBalance', row: 'wallet', id: walletId, set: { balance } }),
    tamperHeld: (store, walletId, heldBalance) =>
      tamper(store, { what: 'tamperHeld', row: 'wallet', id: walletId, set: { heldBalance } }),
    tamperReversed: (store, entryId, reversedAmount) =>
      tamper(store, { what: 'tamperReversed', row: 'entry', id: entryId, set: { reversedAmount } }),
  });
}
