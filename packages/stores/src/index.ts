import type { Config } from '@wallet/config';
import type { LedgerServiceOptions, LedgerStore } from '@wallet/ledger';

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

/**
 * The ledger core's settings from the environment, shared by the API and the worker (its hold
 * sweep), so both processes run LedgerService with the same money, retry and hold rules.
 */
export function ledgerOptionsFrom(
  config: Config,
  process: Pick<LedgerServiceOptions, 'cursorSecret' | 'observer'>,
): LedgerServiceOptions {
  return {
    maxAmountMinor: config.MAX_AMOUNT,
    retry: { attempts: config.LEDGER_RETRY_ATTEMPTS, backoffMs: config.LEDGER_RETRY_BASE_MS },
    idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    holdDefaultTtlSeconds: config.HOLD_DEFAULT_TTL_SECONDS,
    holdMaxTtlSeconds: config.HOLD_MAX_TTL_SECONDS,
    batch: { maxSize: config.BALANCE_BATCH_MAX, maxWaitMs: config.BALANCE_BATCH_WAIT_MS },
    ...process,
  };
}
