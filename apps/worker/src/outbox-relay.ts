import type { Queue } from 'bullmq';
import { withTimeout } from '@wallet/async';
import { DELIVERY_BATCH_MAX, type LedgerStore } from '@wallet/ledger';
import type { DeliveryJob, DeliveryPolicy } from '@wallet/queue';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics.js';
import { errorSummary } from './error-summary.js';
import { deliveryKeyOf, planDeliveries, type PlannedDelivery } from './delivery-plan.js';
import { RoundLoop, type WakeSource } from './round-loop.js';

/**
 * Delivery jobs per addBulk call: one MULTI of this many Lua calls keeps Redis responsive
 * for other clients while a large batch (up to 1000 events x their endpoints) goes in.
 */
export const ADD_BULK_CHUNK = 500;

/**
 * Least time between the starts of two relay rounds. Signals arrive up to once per commit;
 * without a gap a loaded relay ran a round (then five statements and a Redis call) per event or
 * two. 25 ms caps it at 40 rounds a second and adds at most 25 ms to a notification (measured
 * under credit-spread: 10 ms cost 30 % more worker CPU per event than 25 ms for the same
 * latency; 50 ms saved little more and added 14 ms to the median).
 */
export const RELAY_ROUND_GAP_MS = 25;

export interface OutboxRelayOptions {
  store: LedgerStore;
  deliveries: Queue<DeliveryJob>;
  /** Claim owner: unique per relay, so markOutboxPublished only touches our own claims. */
  owner: string;
  /** Events claimed per round (OUTBOX_BATCH_SIZE). */
  batchSize: number;
  /** Pause when the outbox is empty (OUTBOX_POLL_MS); wake() ends it early. The safety net of the store signal. */
  pollMs: number;
  /** Least time between round starts; default RELAY_ROUND_GAP_MS. */
  roundGapMs?: number;
  /** How long a claim holds; an event not marked published by then is claimed again. Default 30 000 ms. */
  leaseMs: number;
  /** Bound on handing one batch to Redis; well below leaseMs. Default 5000 ms. */
  enqueueTimeoutMs: number;
  /** Longest pause after consecutive failures. Default 5000 ms. */
  failureBackoffMaxMs: number;
  /** WEBHOOK_RERELAY_AFTER_MS: when a recorded delivery that is still pending comes due for a re-relay. */
  rerelayAfterMs: number;
  policy: DeliveryPolicy;
  logger: Logger;
  metrics: WorkerMetrics;
}

/**
 * Moves committed outbox events into BullMQ as webhook deliveries. Each round claims a batch
 * (the store leases it: SKIP LOCKED in PostgreSQL, an atomic claim in MongoDB) together with
 * the endpoints of the batch's users (claimOutboxRound: one statement in PostgreSQL), adds one
 * delivery job per event and matching endpoint with job id `<eventId>.<endpointId>` (BullMQ
 * ignores a second add of an id it still holds, so a re-sent event is harmless), and hands
 * the batch's ids to the next round's claim, which marks them published: only after Redis
 * accepted every job, and without a statement of its own. Before the jobs go to Redis, their
 * (event, endpoint) pairs are recorded in the database as pending: the worker settles each one, and DeliveryResender
 * relays again those still pending after the horizon (their job may have vanished with an
 * empty Redis). Events without a matching endpoint cost no Redis work at all.
 * When Redis is down the batch stays unpublished, its lease expires and a later round
 * sends it again.
 *
 * The worker calls wake() when the store signals committed outbox events (watchOutbox), so a
 * new event is claimed within milliseconds; the `pollMs` pause stays as the safety net for
 * signals that never come.
 */
export class OutboxRelay extends RoundLoop {
  readonly #options: OutboxRelayOptions;
  /** Ids of the events the last round handed on to Redis, still to be marked published. */
  #handedOn: string[] = [];

  constructor(options: OutboxRelayOptions) {
    super();
    this.#options = options;
  }

  /**
   * One round: returns how many events were claimed and handed on to Redis. The round's one
   * store call also marks the previous round's events published, so a busy relay spends one
   * statement a round on the outbox instead of three (PostgreSQL).
   */
  async relayOnce(): Promise<number> {
    const { store, deliveries, owner, batchSize, leaseMs, policy, metrics } = this.#options;
    const { events, endpoints } = await store.claimOutboxRound({
      limit: batchSize,
      leaseMs,
      owner,
      published: this.#handedOn,
    });
    this.#handedOn = [];
    if (events.length === 0) return 0;
    const jobs = planDeliveries(events, endpoints, policy);
    if (jobs.length > 0) {
      await recordPending(store, jobs, this.#options.rerelayAfterMs);
      await withTimeout(addInChunks(deliveries, jobs), this.#options.enqueueTimeoutMs, 'enqueue timed out');
    }
    this.#handedOn = events.map((event) => event.id);
    metrics.outboxRelayed.inc(events.length);
    metrics.deliveriesEnqueued.inc(jobs.length);
    return events.length;
  }

  /**
   * Marks the events of the last round published now rather than in the next round's claim.
   * stop() calls it; when it fails the events stay leased, their lease runs out and another
   * relay sends them again (the same job ids, so at most a repeated webhook).
   */
  async publishHandedOn(): Promise<void> {
    const ids = this.#handedOn;
    if (ids.length === 0) return;
    await this.#options.store.markOutboxPublished(ids, this.#options.owner);
    this.#handedOn = [];
  }

  /** Stops after the current round, then marks what it handed on published. */
  override async stop(): Promise<void> {
    await super.stop();
    try {
      await this.publishHandedOn();
    } catch (error) {
      this.#options.logger.warn(
        { error: errorSummary(error), events: this.#handedOn.length },
        'relayed events not marked published at stop; their lease will run out and they are sent again',
      );
    }
  }

  protected async round(): Promise<boolean> {
    // Rounds go on until one claims nothing: events committed during a round may have sent no
    // signal (the PostgreSQL trigger skips it while an older event waits unclaimed), so the
    // relay looks again rather than sleep on them. Idle, this costs one empty claim per burst.
    return (await this.relayOnce()) > 0;
  }

  protected override minRoundGapMs(): number {
    return this.#options.roundGapMs ?? RELAY_ROUND_GAP_MS;
  }

  protected roundFailed(error: unknown): void {
    this.#options.metrics.relayFailures.inc();
    this.#options.logger.warn(
      { error: errorSummary(error), failures: this.consecutiveFailures },
      'outbox relay round failed; events stay in the outbox',
    );
  }

  protected pauseMs(): number {
    return this.failureBackoffMs(this.#options.pollMs, this.#options.failureBackoffMaxMs);
  }

  protected override pauseEnded(source: WakeSource): void {
    this.#options.metrics.relayWakeups.inc({ source });
  }
}

/** The pairs go to the database before their jobs go to Redis, so no job exists that the database does not know. */
async function recordPending(store: LedgerStore, jobs: PlannedDelivery[], horizonMs: number): Promise<void> {
  for (let start = 0; start < jobs.length; start += DELIVERY_BATCH_MAX) {
    await store.recordPendingDeliveries(jobs.slice(start, start + DELIVERY_BATCH_MAX).map(deliveryKeyOf), horizonMs);
  }
}

async function addInChunks(queue: Queue<DeliveryJob>, jobs: PlannedDelivery[]): Promise<void> {
  for (let start = 0; start < jobs.length; start += ADD_BULK_CHUNK) {
    await queue.addBulk(jobs.slice(start, start + ADD_BULK_CHUNK));
  }
}
