import type { ClientSession, MongoClient, TransactionOptions } from 'mongodb';
import { StoreUnavailable, VersionConflict } from '@wallet/ledger';
import { isWriteConflict, translateError } from './mongo-errors.js';

/**
 * Runs `work` in one MongoDB transaction through the driver's documented
 * `session.withTransaction`, which retries the whole callback on TransientTransactionError
 * (write conflicts, elections) and the commit on UnknownTransactionCommitResult.
 *
 * The driver bounds those retries only at 120 s (its `timeoutMS` is a no-op in v7), so this
 * adds our own bounds:
 * - no new attempt of the callback starts after `timeoutMs`; a write conflict that outlasts
 *   it becomes VersionConflict (the ledger core retries with backoff, then answers 409), any
 *   other transient error becomes StoreUnavailable (503);
 * - each commit may take `maxCommitTimeMS = timeoutMs` on the server;
 * - the caller gets an answer within twice `timeoutMs` (one late attempt plus its commit)
 *   even if the driver keeps retrying a commit of unknown outcome in the background. That
 *   answer is a 503, and the idempotency record written in the same transaction makes the
 *   client's retry safe whether or not the commit eventually landed.
 */
export async function runTransaction<T>(
  client: MongoClient,
  timeoutMs: number,
  work: (session: ClientSession) => Promise<T>,
): Promise<T> {
  const deadlineMs = performance.now() + timeoutMs;
  const options: TransactionOptions = {
    readConcern: { level: 'snapshot' },
    writeConcern: { w: 'majority' },
    readPreference: 'primary',
    maxCommitTimeMS: timeoutMs,
  };
  let lastError: unknown = null;
  const attempt = async (session: ClientSession): Promise<T> => {
    if (performance.now() >= deadlineMs) throw givenUp(lastError);
    try {
      return await work(session);
    } catch (error) {
      // Remembered, then rethrown unchanged: the driver must see the error to retry or abort.
      lastError = error;
      throw error;
    }
  };

  let session: ClientSession;
  try {
    session = client.startSession();
  } catch (error) {
    throw translateError(error);
  }
  const running = session.withTransaction(attempt, options).finally(() => session.endSession().catch(() => undefined));
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailable('MongoDB transaction did not finish in time')), timeoutMs * 2);
  });
  try {
    return await Promise.race([running, expired]);
  } catch (error) {
    throw translateError(error);
  } finally {
    clearTimeout(timer);
    // When the timer won, the transaction still settles later; its outcome is already answered.
    running.catch(() => undefined);
  }
}

function givenUp(lastError: unknown): Error {
  if (isWriteConflict(lastError))
    return new VersionConflict('MongoDB write conflicts outlasted the transaction deadline');
  return new StoreUnavailable('MongoDB transaction kept failing until its deadline');
}
