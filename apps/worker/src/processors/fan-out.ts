import type { Job, Queue } from 'bullmq';
import type { LedgerStore, WebhookEndpoint } from '@wallet/ledger';
import {
  EventJobSchema, JOB_NAMES, deliveryJobId, deliveryJobOptions, parseJobData,
  type DeliveryJob, type DeliveryPolicy, type EventJob,
} from '@wallet/queue';

export interface FanOutDependencies {
  store: LedgerStore;
  deliveries: Queue<DeliveryJob>;
  policy: DeliveryPolicy;
}

export const endpointWants = (endpoint: WebhookEndpoint, event: EventJob): boolean =>
  endpoint.events.length === 0 || endpoint.events.includes(event.type);

/**
 * Processor of the events queue: one delivery job per matching endpoint of the event's
 * user. Delivery job ids are `<eventId>.<endpointId>`, so a fan-out that runs again after a
 * crash adds nothing twice, and each endpoint retries on its own schedule.
 */
export function createFanOutProcessor(dependencies: FanOutDependencies) {
  return async (job: Job<EventJob>): Promise<{ deliveries: number }> => {
    const event = parseJobData(EventJobSchema, job.data);
    const endpoints = (await dependencies.store.listWebhooks(event.userId)).filter((endpoint) => endpointWants(endpoint, event));
    if (endpoints.length === 0) return { deliveries: 0 };
    await dependencies.deliveries.addBulk(
      endpoints.map((endpoint) => ({
        name: JOB_NAMES.delivery,
        data: { endpointId: endpoint.id, event },
        opts: deliveryJobOptions(deliveryJobId(event.id, endpoint.id), dependencies.policy),
      })),
    );
    return { deliveries: endpoints.length };
  };
}
