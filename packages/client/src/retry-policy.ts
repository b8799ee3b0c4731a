// What the client retries and how long it waits: pure functions, so the schedule is tested
// without a network or a real clock.

/** Statuses that mean "not done, try again later" whatever the code. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Whether an API answer may be retried with the same key. Any other 4xx is final: the request
 * itself is wrong (or was refused for good), and resending it cannot change that.
 */
export function isRetryableAnswer(status: number, code: string | undefined): boolean {
  return RETRYABLE_STATUSES.has(status) || (status === 409 && code === 'idempotency_key_in_flight');
}

export interface BackoffPolicy {
  /** First retry's ceiling; doubles per retry. */
  baseMs: number;
  /** Largest ceiling of the exponential part. */
  capMs: number;
  /** Largest wait a `Retry-After` answer may impose. */
  retryAfterMaxMs: number;
}

/**
 * Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a uniform wait in [0, min(cap, base · 2^retry)). `retry` counts from 0; `random` returns
 * [0, 1) like Math.random.
 */
export function backoffMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const ceilingMs = Math.min(policy.capMs, policy.baseMs * 2 ** retry);
  return Math.floor(random() * ceilingMs);
}

/**
 * A `Retry-After` header in milliseconds from `nowMs`: delta-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d{1,10}$/.test(value)) return Number(value) * 1000;
  // An HTTP date names its month ("Thu, 01 Jan 2026 00:00:05 GMT"); Date.parse alone takes "-1" for a year.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

/** The wait before retry number `retry`: what the API asked for (capped) when it asked, else the jittered backoff. */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  policy: BackoffPolicy,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.retryAfterMaxMs);
  return backoffMs(retry, policy, random);
}
