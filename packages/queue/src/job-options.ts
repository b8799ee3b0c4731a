import type { JobsOptions } from 'bullmq';
import { webhookBackoff } from './backoff.js';

/**
 * Completed jobs are kept for a day: while a job id exists BullMQ ignores a second add with
 * that id, which is what makes a relay that re-sends an event (lease expired after a crash
 * between enqueue and mark-published, 30 s) harmless. The count bounds Redis memory and
 * the window: the newest 100 000 completed deliveries stay, so the guarantee holds while
 * fewer than 100 000 deliveries complete within one outbox lease (about 3 300 per second
 * sustained). Waiting, delayed, active and failed jobs are not counted against it.
 */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 100_000 } as const;

/**
 * Failed jobs are the dead-letter set: kept 7 days, at most 10 000 per queue, then dropped
 * by BullMQ. Admins list and re-drive them before that.
 */
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 10_000 } as const;

export interface DeliveryPolicy {
  /** Attempts before the dead-letter set (WEBHOOK_ATTEMPTS). Default 8. */
  attempts: number;
  /** Base of the exponential backoff (WEBHOOK_BACKOFF_MS). Default 1000 ms. */
  backoffMs: number;
}

/** Options of one delivery job (one event to one endpoint). */
export function deliveryJobOptions(jobId: string, policy: DeliveryPolicy): JobsOptions {
  return {
    jobId,
    attempts: policy.attempts,
    backoff: webhookBackoff(policy.backoffMs),
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
}

/** Scheduled maintenance: one attempt (the next run comes anyway), a short history. */
export const MAINTENANCE_JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: { age: 7 * 24 * 3600, count: 100 },
  removeOnFail: { age: 7 * 24 * 3600, count: 100 },
};
