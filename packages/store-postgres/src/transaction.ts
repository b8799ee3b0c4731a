import type pg from 'pg';

/**
 * Runs `work` in one transaction on one pooled connection: BEGIN, then COMMIT when it returns
 * (ROLLBACK when it returns `{ rollback: true }` alongside its result), ROLLBACK when it throws.
 * The connection goes back to the pool either way, or is destroyed when it was lost meanwhile.
 */
export async function withTransaction<T>(
  db: pg.Pool | pg.PoolClient,
  work: (client: pg.PoolClient) => Promise<T | { rollback: true; result: T }>,
): Promise<T> {
  const pooled = 'release' in db ? null : await db.connect();
  const client = (pooled ?? db) as pg.PoolClient;
  // pg-pool listens for errors on idle clients only: a connection lost between two statements
  // of this transaction (server killed, network cut) would be an uncaught 'error' event. Keep
  // the error and destroy that connection on release instead of returning it to the pool.
  let lost: Error | undefined;
  const onLost = (error: Error) => {
    lost = error;
  };
  pooled?.on('error', onLost);
  try {
    await client.query('BEGIN');
    let outcome: T | { rollback: true; result: T };
    try {
      outcome = await work(client);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    if (isRollback(outcome)) {
      await client.query('ROLLBACK');
      return outcome.result;
    }
    await client.query('COMMIT');
    return outcome;
  } finally {
    pooled?.removeListener('error', onLost);
    pooled?.release(lost);
  }
}

/** What `work` returns to end its transaction without committing (nothing to keep). */
export const rollbackWith = <T>(result: T): { rollback: true; result: T } => ({ rollback: true, result });

function isRollback<T>(value: T | { rollback: true; result: T }): value is { rollback: true; result: T } {
  return typeof value === 'object' && value !== null && (value as { rollback?: unknown }).rollback === true;
}
