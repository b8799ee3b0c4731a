import type { Config } from '@wallet/config';
import type { LedgerStore } from '@wallet/ledger';
import { PostgresStore } from '@wallet/store-postgres';
import { MongoStore } from '@wallet/store-mongo';

/** The store LEDGER_STORE names, configured from the environment; call ready() before use. */
export function createStore(config: Config): LedgerStore {
  if (config.LEDGER_STORE === 'mongo') {
    return new MongoStore({ url: config.MONGO_URL!, poolMax: config.DB_POOL_MAX, operationTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS });
  }
  return new PostgresStore({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolMax: config.DB_POOL_MAX,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
  });
}
