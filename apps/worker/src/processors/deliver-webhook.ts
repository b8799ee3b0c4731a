import { UnrecoverableError, type Job } from 'bullmq';
import type { LedgerStore } from '@wallet/ledger';
import { DeliveryJobSchema, parseJobData, type DeliveryJob } from '@wallet/queue';
import { webhookHeaders } from '@wallet/webhooks';
import { postWebhook, type DeliveryResult } from '../http-delivery.js';
import type { WorkerMetrics } from '../metrics.js';
import { endpointWants } from '../delivery-plan.js';
import { JobFailure } from '../error-summary.js';

export interface DeliverDependencies {
  store: LedgerStore;
  metrics: WorkerMetrics;
  timeoutMs: number;
  allowPrivate: boolean;
  clock?: () => number;
}

export type DeliveryOutcome =
  { delivered: true; status: number } | { delivered: false; skipped: 'endpoint_deleted' | 'event_not_subscribed' };

/** Statuses worth retrying besides 5xx: the receiver asked to come back later. */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * Processor of the deliveries queue: one signed POST of one event to one endpoint. The
 * endpoint (URL, secret) is read at delivery time. A 2xx completes the job; a 4xx other
 * than 408/429 or a refused address stops retrying (UnrecoverableError → dead-letter set);
 * everything else throws and BullMQ retries with the jittered backoff.
 *
 * The job completes only once the database records the outcome (`delivered`, or `skipped`
 * for a deleted or unsubscribed endpoint): a delivery counts as done when the database says
 * so (DESIGN §4.5). If that write fails the job fails and is retried, so the receiver may see
 * the same `webhook-id` again — never no delivery at all. Dead letters are recorded by the
 * worker's `failed` listener (worker.ts), which also sees jobs failed for stalling.
 */
export function createDeliverProcessor(dependencies: DeliverDependencies) {
  const clock = dependencies.clock ?? Date.now;
  return async (job: Job<DeliveryJob>): Promise<DeliveryOutcome> => {
    const { endpointId, event } = parseJobData(DeliveryJobSchema, job.data);
    const { store } = dependencies;
    const key = { eventId: event.id, endpointId };
    const endpoint = await store.getWebhook(event.userId, endpointId);
    const skip = async (skipped: 'endpoint_deleted' | 'event_not_subscribed'): Promise<DeliveryOutcome> => {
      await store.settleDelivery(key, 'skipped');
      return { delivered: false, skipped };
    };
    if (!endpoint) return skip('endpoint_deleted');
    if (!endpointWants(endpoint, event)) return skip('event_not_subscribed');
    // Standard Webhooks payload shape: type, timestamp, data.
    const body = JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event });
    const timestampSeconds = Math.floor(clock() / 1000);
    const result = await postWebhook({
      url: endpoint.url,
      headers: webhookHeaders({ id: event.id, timestampSeconds, body, secret: endpoint.secret }),
      body,
      timeoutMs: dependencies.timeoutMs,
      allowPrivate: dependencies.allowPrivate,
    });
    dependencies.metrics.deliveryAttempts.inc({ result: resultLabel(result) });
    if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
      const latencySeconds = Math.max(0, (clock() - Date.parse(event.occurredAt)) / 1000);
      dependencies.metrics.deliveryLatency.observe(latencySeconds);
      await store.settleDelivery(key, 'delivered');
      return { delivered: true, status: result.status };
    }
    throw failureFor(result);
  };
}

function failureFor(result: DeliveryResult): Error {
  switch (result.kind) {
    case 'blocked':
      return new UnrecoverableError(`refused: ${result.reason}`);
    case 'timeout':
      return new JobFailure('timed out');
    case 'network':
      return new JobFailure('connection failed');
    case 'response':
      if (result.status >= 400 && result.status < 500 && !RETRYABLE_4XX.has(result.status)) {
        return new UnrecoverableError(`HTTP ${result.status}`);
      }
      return new JobFailure(`HTTP ${result.status}`);
  }
}

function resultLabel(result: DeliveryResult): string {
  if (result.kind !== 'response') return result.kind;
  return `${Math.floor(result.status / 100)}xx`;
}
