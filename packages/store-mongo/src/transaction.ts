import { MongoError, type ClientSession, type MongoClient, type TransactionOptions } from 'mongodb';
import { sleep, TimeoutError, withTimeout } from '@wallet/async';
import { StoreUnavailable, VersionConflict } from '@wallet/ledger';
import { isWriteConflict, translateError } from './mongo-errors.js';

/** Retry backoff of the driver's convenient transaction API: jitter x min(5 ms x 1.5^attempt, 500 ms). */
const BACKOFF_INITIAL_MS = 5;
const BACKOFF_GROWTH = 1.5;
const BACKOFF_MAX_MS = 500;
/** The server's MaxTimeMSExpired: a commit that ran out of maxCommitTimeMS is not retried (as the driver does). */
const MAX_TIME_MS_EXPIRED = 50;

const TRANSIENT = 'TransientTransactionError';
const UNKNOWN_COMMIT = 'UnknownTransactionCommitResult';

const hasLabel = (error: unknown, label: string): boolean => error instanceof MongoError && error.hasErrorLabel(label);
const isMaxTimeExpired = (error: unknown): boolean =>
  error instanceof MongoError &&
  (error.code === MAX_TIME_MS_EXPIRED ||
    (error as { writeConcernError?: { code?: number } }).writeConcernError?.code === MAX_TIME_MS_EXPIRED);

/** Jittered backoff before retry `attempt` (1-based), as the driver's withTransaction computes it. */
export const transactionBackoffMs = (attempt: number, random: () => number = Math.random): number =>
  random() * Math.min(BACKOFF_INITIAL_MS * BACKOFF_GROWTH ** attempt, BACKOFF_MAX_MS);

/**
 * Runs `work` in one MongoDB transaction, following the documented algorithm of the driver's
 * convenient API (`session.withTransaction`: rerun the callback on TransientTransactionError,
 * retry the commit on UnknownTransactionCommitResult unless it is MaxTimeMSExpired, with
 * jittered backoff between attempts), but with our own bounds instead of the driver's fixed
 * 120 s (its `timeoutMS` is a no-op in v7):
 * - no new attempt of the callback, and no new commit attempt, starts after `timeoutMs`; a write
 *   conflict that outlasts it becomes VersionConflict (the ledger core retries with backoff, then
 *   answers 409), any other transient error or a commit of unknown outcome StoreUnavailable (503);
 * - each commit may take `maxCommitTimeMS = timeoutMs` on the server;
 * - the caller gets an answer within twice `timeoutMs` (withTimeout) even if one operation
 *   hangs; the loop is then told to stop (no further attempt of any kind), the transaction is
 *   aborted if it is still open, and the session ended. A 503 for a commit of unknown outcome is
 *   safe: the idempotency record in the same transaction makes the client's retry replay it.
 */
export async function runTransaction<T>(
  client: MongoClient,
  timeoutMs: number,
  work: (session: ClientSession) => Promise<T>,
): Promise<T> {
  let session: ClientSession;
  try {
    session = client.startSession();
  } catch (error) {
    throw translateError(error);
  }
  const gaveUp = new AbortController();
  const running = attempts(session, timeoutMs, work, gaveUp.signal).finally(() => closeSession(session));
  try {
    return await withTimeout(running, timeoutMs * 2, 'MongoDB transaction');
  } catch (error) {
    if (error instanceof TimeoutError) throw new StoreUnavailable('MongoDB transaction did not finish in time');
    throw translateError(error);
  } finally {
    // When the timer won, the loop stops at its next step; its outcome is already answered.
    gaveUp.abort();
  }
}

async function attempts<T>(
  session: ClientSession,
  timeoutMs: number,
  work: (session: ClientSession) => Promise<T>,
  gaveUp: AbortSignal,
): Promise<T> {
  const deadlineMs = performance.now() + timeoutMs;
  const options: TransactionOptions = {
    readConcern: { level: 'snapshot' },
    writeConcern: { w: 'majority' },
    readPreference: 'primary',
    maxCommitTimeMS: timeoutMs,
  };
  let lastError: unknown = null;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await backoffOrGiveUp(attempt, deadlineMs, gaveUp, lastError);
    session.startTransaction(options);
    let result: T;
    try {
      result = await work(session);
    } catch (error) {
      lastError = error;
      if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
      if (hasLabel(error, TRANSIENT)) continue;
      throw error;
    }
    if (gaveUp.aborted) throw givenUp(lastError); // Answered already: never commit after that (closeSession aborts).
    const committed = await commitWithRetries(session, deadlineMs, gaveUp);
    if (committed === 'committed') return result;
    lastError = committed.error; // TransientTransactionError on commit: run the callback again.
  }
}

/** Commits, retrying an unknown outcome with backoff until the deadline or until the caller gave up. */
async function commitWithRetries(
  session: ClientSession,
  deadlineMs: number,
  gaveUp: AbortSignal,
): Promise<'committed' | { error: unknown }> {
  for (let retry = 0; ; retry++) {
    try {
      await session.commitTransaction();
      return 'committed';
    } catch (error) {
      if (hasLabel(error, UNKNOWN_COMMIT) && !isMaxTimeExpired(error)) {
        if (gaveUp.aborted || performance.now() >= deadlineMs) {
          throw new StoreUnavailable('MongoDB commit outcome unknown at the transaction deadline');
        }
        await sleep(transactionBackoffMs(retry + 1), gaveUp);
        continue;
      }
      if (hasLabel(error, TRANSIENT)) return { error };
      throw error;
    }
  }
}

async function backoffOrGiveUp(attempt: number, deadlineMs: number, gaveUp: AbortSignal, lastError: unknown) {
  const backoffMs = transactionBackoffMs(attempt);
  if (gaveUp.aborted || performance.now() + backoffMs >= deadlineMs) throw givenUp(lastError);
  await sleep(backoffMs, gaveUp);
  if (gaveUp.aborted) throw givenUp(lastError);
}

async function closeSession(session: ClientSession): Promise<void> {
  if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
  await session.endSession().catch(() => undefined);
}

function givenUp(lastError: unknown): Error {
  if (isWriteConflict(lastError))
    return new VersionConflict('MongoDB write conflicts outlasted the transaction deadline');
  return new StoreUnavailable('MongoDB transaction kept failing until its deadline');
}
