import type { JobsOptions } from 'bullmq';
import type { DeliveryKey, OutboxEvent, WebhookEndpoint } from '@wallet/ledger';
import { JOB_NAMES, deliveryJobId, deliveryJobOptions, type DeliveryJob, type DeliveryPolicy } from '@wallet/queue';

/** An endpoint receives the event types it lists; an empty list means all of them. */
export const endpointWants = (endpoint: Pick<WebhookEndpoint, 'events'>, event: Pick<OutboxEvent, 'type'>): boolean =>
  endpoint.events.length === 0 || endpoint.events.includes(event.type);

export interface PlannedDelivery {
  name: typeof JOB_NAMES.delivery;
  data: DeliveryJob;
  opts: JobsOptions;
}

/** The one delivery job of an event and an endpoint: job id `<eventId>.<endpointId>`, the policy's options. */
export function deliveryJobFor(event: OutboxEvent, endpointId: string, policy: DeliveryPolicy): PlannedDelivery {
  return {
    name: JOB_NAMES.delivery,
    data: { endpointId, event },
    opts: deliveryJobOptions(deliveryJobId(event.id, endpointId), policy),
  };
}

/** The (event, endpoint) pair a planned job delivers, as the store records it. */
export const deliveryKeyOf = (job: PlannedDelivery): DeliveryKey => ({
  eventId: job.data.event.id,
  endpointId: job.data.endpointId,
});

/**
 * The delivery jobs of a claimed outbox batch: one per event and endpoint of the event's
 * user that wants its type, with job id `<eventId>.<endpointId>` (a batch sent twice adds
 * each job once). Events whose user has no such endpoint get none: they need no Redis work.
 */
export function planDeliveries(
  events: OutboxEvent[],
  endpoints: WebhookEndpoint[],
  policy: DeliveryPolicy,
): PlannedDelivery[] {
  const byUser = new Map<string, WebhookEndpoint[]>();
  for (const endpoint of endpoints) {
    const list = byUser.get(endpoint.userId);
    if (list) list.push(endpoint);
    else byUser.set(endpoint.userId, [endpoint]);
  }
  const jobs: PlannedDelivery[] = [];
  for (const event of events) {
    for (const endpoint of byUser.get(event.userId) ?? []) {
      if (endpointWants(endpoint, event)) jobs.push(deliveryJobFor(event, endpoint.id, policy));
    }
  }
  return jobs;
}
