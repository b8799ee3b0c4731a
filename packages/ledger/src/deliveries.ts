import type { OutboxEvent } from './types.js';

/**
 * What the database knows of one delivery (one outbox event to one webhook endpoint):
 * - `pending`: the relay handed the job to BullMQ; not settled yet;
 * - `delivered`: the endpoint answered 2xx (final: nothing overwrites it);
 * - `dead`: the job was dead-lettered (attempts exhausted or a permanent failure); a
 *   re-drive that then succeeds turns it into `delivered`;
 * - `skipped`: the endpoint was deleted or no longer subscribes to the event's type.
 */
export type DeliveryState = 'pending' | 'delivered' | 'dead' | 'skipped';

/** The states a delivery job ends in. */
export type DeliveryOutcome = Exclude<DeliveryState, 'pending'>;

export interface DeliveryKey {
  eventId: string;
  endpointId: string;
}

export interface DeliveryRecord extends DeliveryKey {
  state: DeliveryState;
  /** When the state last changed, database clock. */
  updatedAt: string;
}

/** A pending delivery whose re-relay time passed, with the event to deliver. */
export interface DueDelivery {
  endpointId: string;
  event: OutboxEvent;
}

/** Pairs one recordPendingDeliveries call, and deliveries one claimDueDeliveries call, take at most. */
export const DELIVERY_BATCH_MAX = 1000;
/** Event ids one listDeliveries call reads at most. */
export const DELIVERY_READ_EVENTS_MAX = 1000;
/** Shortest and longest re-relay horizon a store accepts: 1 s (tests) to 1 day. */
export const DELIVERY_HORIZON_MIN_MS = 1000;
export const DELIVERY_HORIZON_MAX_MS = 86_400_000;

/** The bounds every adapter checks before touching the database; RangeError names the broken one. */
export function assertDeliveryBounds(input: {
  count?: number;
  countMax?: number;
  horizonMs?: number | undefined;
}): void {
  const { count, countMax, horizonMs } = input;
  if (count !== undefined && countMax !== undefined && !(Number.isSafeInteger(count) && count <= countMax)) {
    throw new RangeError(`at most ${countMax} deliveries or events per call`);
  }
  if (
    'horizonMs' in input &&
    !(
      typeof horizonMs === 'number' &&
      Number.isSafeInteger(horizonMs) &&
      horizonMs >= DELIVERY_HORIZON_MIN_MS &&
      horizonMs <= DELIVERY_HORIZON_MAX_MS
    )
  ) {
    throw new RangeError(`delivery horizon must be ${DELIVERY_HORIZON_MIN_MS}..${DELIVERY_HORIZON_MAX_MS} ms`);
  }
}
