import type { Queue } from 'bullmq';
import { withTimeout } from '@wallet/async';
import type { DeliveryOutcome, DueDelivery, LedgerStore } from '@wallet/ledger';
import { deliveryJobId, type DeliveryJob, type DeliveryPolicy } from '@wallet/queue';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics.js';
import { errorSummary } from './error-summary.js';
import { deliveryJobFor } from './delivery-plan.js';
import { RoundLoop } from './round-loop.js';

/** Due deliveries looked at per round; a full round goes again at once. */
export const RESEND_BATCH = 500;
/** Longest pause between two rounds, whatever the horizon: a lost job waits at most horizon + this. */
const RESEND_POLL_MAX_MS = 30_000;

export interface DeliveryResenderOptions {
  store: LedgerStore;
  deliveries: Queue<DeliveryJob>;
  /** WEBHOOK_RERELAY_AFTER_MS: how long a delivery stays unsettled before its job is looked for. */
  horizonMs: number;
  /** Bound on the Redis side of one round. */
  redisTimeoutMs: number;
  policy: DeliveryPolicy;
  logger: Logger;
  metrics: WorkerMetrics;
}

/** Job states in which the job will still run (or is running): nothing to do but wait. */
const QUEUED_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/**
 * Relays again what the database says is neither delivered nor dead-lettered once the horizon
 * has passed, so a Redis that came back empty (restart without persistence, failover to an empty
 * replica) loses no notification (DESIGN §4.5). Each round claims due pending deliveries (the
 * store moves their due time a horizon on, so relays share the work and each pair is looked at
 * once per horizon) and asks BullMQ for each job id `<eventId>.<endpointId>`:
 * - still waiting, delayed or active: queued, left alone;
 * - gone: added again with the same id and options — BullMQ ignores an add whose id it holds,
 *   so a race with the outbox relay still gives one job;
 * - failed or completed but never recorded (the worker's write was lost): recorded now.
 */
export class DeliveryResender extends RoundLoop {
  readonly #options: DeliveryResenderOptions;

  constructor(options: DeliveryResenderOptions) {
    super();
    this.#options = options;
  }

  /** One round: returns how many due deliveries were looked at. */
  async resendOnce(): Promise<number> {
    const { store, horizonMs, redisTimeoutMs } = this.#options;
    const due = await store.claimDueDeliveries({ limit: RESEND_BATCH, horizonMs });
    if (due.length === 0) return 0;
    await withTimeout(this.#resolve(due), redisTimeoutMs, 'resend round timed out');
    return due.length;
  }

  protected async round(): Promise<boolean> {
    return (await this.resendOnce()) === RESEND_BATCH;
  }

  protected roundFailed(error: unknown): void {
    this.#options.metrics.relayFailures.inc();
    this.#options.logger.warn(
      { error: errorSummary(error) },
      'delivery re-relay round failed; its deliveries are looked at again after the horizon',
    );
  }

  protected pauseMs(): number {
    return Math.min(this.#options.horizonMs, RESEND_POLL_MAX_MS);
  }

  async #resolve(due: DueDelivery[]): Promise<void> {
    const { deliveries, policy, metrics } = this.#options;
    const states = await Promise.all(
      due.map((item) => deliveries.getJobState(deliveryJobId(item.event.id, item.endpointId))),
    );
    const vanished = due.filter((_item, index) => states[index] === 'unknown');
    if (vanished.length > 0) {
      await deliveries.addBulk(vanished.map((item) => deliveryJobFor(item.event, item.endpointId, policy)));
      metrics.deliveryRechecks.inc({ result: 'rerelayed' }, vanished.length);
    }
    const queued = states.filter((state) => QUEUED_STATES.has(state)).length;
    if (queued > 0) metrics.deliveryRechecks.inc({ result: 'queued' }, queued);
    for (const [index, item] of due.entries()) {
      const state = states[index];
      if (state === 'failed' || state === 'completed') await this.#settleFinished(item, state);
    }
  }

  /** A finished job whose outcome the database lacks: record what BullMQ holds. */
  async #settleFinished(item: DueDelivery, state: 'failed' | 'completed'): Promise<void> {
    const { deliveries, store, metrics } = this.#options;
    let outcome: DeliveryOutcome = 'dead';
    if (state === 'completed') {
      const job = await deliveries.getJob(deliveryJobId(item.event.id, item.endpointId));
      const value = job?.returnvalue as { delivered?: boolean } | undefined;
      outcome = value?.delivered === false ? 'skipped' : 'delivered';
    }
    await store.settleDelivery({ eventId: item.event.id, endpointId: item.endpointId }, outcome);
    metrics.deliveryRechecks.inc({ result: 'settled' });
  }
}
