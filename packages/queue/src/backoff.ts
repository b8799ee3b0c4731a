import { Backoffs, type BackoffOptions, type BackoffStrategy } from 'bullmq';

/**
 * Longest single wait between two delivery attempts: 6 h. BullMQ's exponential backoff has no
 * cap of its own, so the configuration keeps every schedule under it instead (@wallet/config's
 * check of WEBHOOK_ATTEMPTS x WEBHOOK_BACKOFF_MS).
 */
export const WEBHOOK_BACKOFF_MAX_MS = 6 * 3600 * 1000;

/**
 * BullMQ's jitter share: with 0.5 its exponential strategy waits a random time in
 * [ceiling/2, ceiling) with ceiling = base * 2^(n-1) for retry n ("equal jitter"). Waits
 * therefore never shrink from one retry to the next (the lower bound of one is the upper bound
 * of the previous), while the jitter spreads the retries of many deliveries that failed together.
 */
export const WEBHOOK_BACKOFF_JITTER = 0.5;

/** The delivery jobs' backoff: BullMQ's built-in exponential strategy with equal jitter. */
export function webhookBackoff(baseMs: number): BackoffOptions {
  return { type: 'exponential', delay: baseMs, jitter: WEBHOOK_BACKOFF_JITTER };
}

/**
 * Name of the custom strategy of versions before this one. Jobs they added (still delayed or
 * retrying in Redis after an upgrade) carry this type; legacyBackoffStrategy gives them the
 * same schedule through BullMQ's built-in function, so they neither fail nor change pace.
 */
export const LEGACY_WEBHOOK_BACKOFF_TYPE = 'webhook-jitter';

/** The Worker's `settings.backoffStrategy`, consulted by BullMQ only for non-built-in types. */
export const legacyBackoffStrategy: BackoffStrategy = (attemptsMade, _type, _error, job) => {
  const backoff = job?.opts.backoff;
  const baseMs = typeof backoff === 'object' && typeof backoff.delay === 'number' ? backoff.delay : 1000;
  return Backoffs.builtinStrategies.exponential!(baseMs, WEBHOOK_BACKOFF_JITTER)(attemptsMade);
};
