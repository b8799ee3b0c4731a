/** Name of the custom BullMQ backoff strategy the worker registers. */
export const WEBHOOK_BACKOFF_TYPE = 'webhook-jitter';

/** Longest single wait between two delivery attempts: 6 h keeps 8 attempts within ~a day. */
export const WEBHOOK_BACKOFF_MAX_MS = 6 * 3600 * 1000;

/**
 * "Equal jitter" exponential backoff: retry n (1-based) waits a random time in
 * [ceiling/2, ceiling) with ceiling = baseMs * 2^(n-1), capped. Waits therefore never shrink
 * from one retry to the next (the lower bound of one is the upper bound of the previous),
 * while the jitter spreads the retries of many deliveries that failed together.
 */
export function webhookBackoffMs(attemptsMade: number, baseMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attemptsMade, 1) - 1, 40); // 2^40 already passes any cap.
  const ceilingMs = Math.min(WEBHOOK_BACKOFF_MAX_MS, baseMs * 2 ** exponent);
  const halfMs = ceilingMs / 2;
  return Math.floor(halfMs + random() * halfMs);
}

/**
 * The strategy in BullMQ's shape (`settings.backoffStrategy` of a Worker). It reads the base
 * from the job's own `backoff.delay`, so a job keeps the policy it was added with; other
 * backoff types fall back to BullMQ's built-ins (returning undefined is not allowed, so
 * they are not used with this worker).
 */
export function webhookBackoffStrategy(
  defaultBaseMs: number,
): (
  attemptsMade: number,
  type?: string,
  error?: Error,
  job?: { opts?: { backoff?: number | { delay?: number } } },
) => number {
  return (attemptsMade, _type, _error, job) => {
    const backoff = job?.opts?.backoff;
    const baseMs = typeof backoff === 'object' && typeof backoff.delay === 'number' ? backoff.delay : defaultBaseMs;
    return webhookBackoffMs(attemptsMade, baseMs);
  };
}
