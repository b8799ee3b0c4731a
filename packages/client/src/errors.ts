// The one error the client rejects with (besides the caller's own abort reason): an API
// problem (RFC 9457 body), or no usable answer at all (status 0: network error, timeout).

/** Codes the client itself assigns when the API gave no problem body. */
export type ClientErrorCode = 'network_error' | 'timeout' | 'unexpected_response';

export interface WalletApiErrorInit {
  status: number;
  code: string;
  title: string;
  detail: string;
  requestId?: string | undefined;
  retryable: boolean;
  attempts: number;
  /** The wait the API asked for (`Retry-After`), in milliseconds. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class WalletApiError extends Error {
  override readonly name = 'WalletApiError';
  /** HTTP status; 0 when no answer arrived (network error or timeout). */
  readonly status: number;
  /** The API's stable snake_case code (`insufficient_funds`, …) or a ClientErrorCode. */
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** The API's request id (the `x-request-id` header or the problem body), for support. */
  readonly requestId: string | undefined;
  /**
   * True when the same call may succeed later with the same Idempotency-Key: network errors,
   * timeouts, 409 idempotency_key_in_flight, 429, 502, 503, 504. The client already retried it
   * `attempts - 1` times before giving up (retries or deadline exhausted).
   */
  readonly retryable: boolean;
  /** Attempts made, the failing one included. */
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(init: WalletApiErrorInit) {
    const suffix = init.status > 0 ? ` (${init.code}, ${init.status})` : ` (${init.code})`;
    super(`${init.detail || init.title}${suffix}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.retryable = init.retryable;
    this.attempts = init.attempts;
    this.retryAfterMs = init.retryAfterMs;
  }
}
