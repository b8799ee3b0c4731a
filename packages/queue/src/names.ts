/**
 * Queue names and the Redis key prefix they live under. BullMQ keys become
 * `<REDIS_PREFIX>:<queue>:...`, so two deployments (or two test files) sharing one Redis
 * never see each other's jobs. BullMQ forbids ':' in queue names.
 */
export interface QueueNaming {
  /** BullMQ key prefix (REDIS_PREFIX). */
  prefix: string;
  /**
   * One job per (event, endpoint): a signed webhook POST, added by the outbox relay. (Up to
   * this version an `outbox-events` queue held one fan-out job per event; it is gone.)
   */
  deliveries: string;
  /** Scheduled jobs: reconciliation and the idempotency purge. */
  maintenance: string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function queueNaming(redisPrefix: string): QueueNaming {
  if (!PREFIX_PATTERN.test(redisPrefix)) throw new Error('REDIS_PREFIX must match ^[A-Za-z0-9_.-]{1,64}$');
  return { prefix: redisPrefix, deliveries: 'webhook-deliveries', maintenance: 'maintenance' };
}

/** Job names, so a processor can refuse a job it does not know. */
export const JOB_NAMES = {
  delivery: 'webhook-delivery',
  reconcile: 'reconcile',
  purgeIdempotency: 'purge-idempotency',
} as const;

/**
 * Delivery job id: one per event and endpoint, so a relay that sends an event twice adds
 * each delivery once. BullMQ refuses ':' in custom ids, hence '.' (event and endpoint ids are
 * UUIDs, which never contain '.').
 */
export function deliveryJobId(eventId: string, endpointId: string): string {
  return `${eventId}.${endpointId}`;
}
