/**
 * The one registry of error codes a client can see (DESIGN.md §3). A code is never added
 * or dropped silently: apps/api/test/errors-registry.test.ts reads the code table of
 * docs/api.md and checks it against this registry both ways.
 */
export const ERRORS = {
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  validation_failed: { status: 400, title: 'Validation failed' },
  bad_request: { status: 400, title: 'Bad request' },
  idempotency_key_required: { status: 400, title: 'Idempotency-Key header required' },
  idempotency_key_invalid: { status: 400, title: 'Idempotency-Key header invalid' },
  not_found: { status: 404, title: 'Not found' },
  wallet_not_found: { status: 404, title: 'Wallet not found' },
  hold_not_found: { status: 404, title: 'Hold not found' },
  transaction_not_found: { status: 404, title: 'Transaction not found' },
  wallet_exists: { status: 409, title: 'Wallet already exists' },
  webhook_limit_reached: { status: 409, title: 'Webhook endpoint limit reached' },
  insufficient_funds: { status: 409, title: 'Insufficient funds' },
  concurrent_modification: { status: 409, title: 'Concurrent modification' },
  idempotency_key_in_flight: { status: 409, title: 'Request with this Idempotency-Key in flight' },
  hold_not_active: { status: 409, title: 'Hold is no longer active' },
  hold_expired: { status: 409, title: 'Hold has expired' },
  request_timeout: { status: 408, title: 'Request timeout' },
  version_mismatch: { status: 412, title: 'Version mismatch' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key reused with a different request' },
  currency_mismatch: { status: 422, title: 'Currency mismatch' },
  same_wallet: { status: 422, title: 'Source and destination are the same wallet' },
  balance_limit_exceeded: { status: 422, title: 'Balance limit exceeded' },
  capture_exceeds_hold: { status: 422, title: 'Capture exceeds the hold' },
  not_reversible: { status: 422, title: 'Transaction is not reversible' },
  reversal_exceeds_original: { status: 422, title: 'Reversal exceeds the original' },
  rate_limited: { status: 429, title: 'Too many requests' },
  header_too_large: { status: 431, title: 'Request header fields too large' },
  internal_error: { status: 500, title: 'Internal error' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/**
 * Refusals that are final outcomes of a request: they are stored with the idempotency
 * record and replayed (DESIGN.md §4.3). Every other error may be retried with the same key.
 */
export const REMEMBERED_REFUSALS = [
  'insufficient_funds',
  'balance_limit_exceeded',
  'currency_mismatch',
  'wallet_exists',
  'hold_not_active',
  'hold_expired',
  'capture_exceeds_hold',
  'not_reversible',
  'reversal_exceeds_original',
] as const satisfies readonly ErrorCode[];

export type RememberedRefusal = (typeof REMEMBERED_REFUSALS)[number];

/** An operating error with a stable code; its `detail` is safe to show to the client. */
export class LedgerError extends Error {
  override name = 'LedgerError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  /** Seconds the client should wait before retrying, for 409 in-flight, 429 and 503. */
  readonly retryAfterSeconds: number | undefined;
  /** Set once LedgerService wrote this refusal's audit line, so nothing audits it twice. */
  audited = false;

  constructor(code: ErrorCode, detail?: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(detail ?? ERRORS[code].title, { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail ?? ERRORS[code].title;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The store lost the race for a wallet's version; the service retries with backoff. */
export class VersionConflict extends Error {
  override name = 'VersionConflict';
}

/** A broken invariant is a programmer error: fail loudly, never answer with it. */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}

/** The database (or another required dependency) cannot be reached: 503, retry later. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
}
