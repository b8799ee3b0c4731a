import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} from 'mongodb';
import { StoreUnavailable } from '@wallet/ledger';

/** Duplicate key on a unique index. */
export const DUPLICATE_KEY = 11000;
/** Another transaction wrote the same document first; labelled TransientTransactionError. */
export const WRITE_CONFLICT = 112;

/**
 * Server error codes that mean "the database cannot serve this now" rather than "this
 * request is wrong": network and election states, shutdowns, and timeouts we set ourselves.
 */
const UNAVAILABLE_CODES = new Set<number>([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired: our operationTimeoutMs bound was reached
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

const UNAVAILABLE_LABELS = [
  'TransientTransactionError',
  'UnknownTransactionCommitResult',
  'RetryableWriteError',
  'ResetPool',
];

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoError && error.code === DUPLICATE_KEY;
}

export function isWriteConflict(error: unknown): boolean {
  return error instanceof MongoError && error.code === WRITE_CONFLICT;
}

/** Whether a driver error means the database is unreachable or cannot serve right now. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof MongoError)) return false;
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoClientClosedError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoWriteConcernError
  ) {
    return true;
  }
  if (typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code)) return true;
  return UNAVAILABLE_LABELS.some((label) => error.hasErrorLabel(label));
}

/**
 * Replaces a driver error that means "unavailable" with StoreUnavailable, whose message is
 * ours: driver messages can hold host names and never reach a client or a log line as is.
 * Other errors pass through untouched (domain errors, and bugs that must stay loud).
 */
export function translateError(error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  // The error's class or code name says what happened without naming hosts or data.
  const kind = error instanceof MongoServerError && error.codeName ? error.codeName : (error as MongoError).name;
  return new StoreUnavailable(`MongoDB is unavailable (${kind})`);
}
