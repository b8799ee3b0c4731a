import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Sources read at scrape time; each may fail (Redis or the database down) without breaking /metrics. */
export interface ScrapeSources {
  queueCounts(): Promise<Array<{ queue: string; counts: Record<string, number> }>>;
  outboxLagSeconds(): Promise<number>;
}

/** Job states exported as queue depth. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed', 'paused'] as const;

/** Buckets of commit → delivered: from 50 ms (a healthy receiver) to 6 h (the longest retry wait). */
const DELIVERY_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600];

/**
 * The worker's Prometheus metrics, on a registry of its own so two workers in one test
 * process never share counters.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly jobs: Counter<'queue' | 'outcome'>;
  readonly deliveryAttempts: Counter<'result'>;
  readonly deliveryLatency: Histogram<never>;
  readonly outboxRelayed: Counter<never>;
  readonly deliveriesEnqueued: Counter<never>;
  readonly deliveryRechecks: Counter<'result'>;
  readonly relayFailures: Counter<never>;
  readonly relayWakeups: Counter<'source'>;
  readonly reconciliationMismatches: Gauge<never>;
  readonly reconciliationLastRun: Gauge<never>;
  readonly reconciliationWallets: Gauge<never>;
  readonly idempotencyPurged: Counter<never>;
  readonly holdsExpired: Counter<never>;
  readonly holdSweepFailures: Counter<never>;
  #sources: ScrapeSources | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'wallet_worker_' });
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
      new Counter({ name, help, labelNames, registers: [this.registry] });
    const gauge = (name: string, help: string): Gauge<never> => new Gauge({ name, help, registers: [this.registry] });

    this.jobs = counter(
      'wallet_worker_jobs_total',
      'Jobs by queue and outcome: completed, retrying (attempt failed, will retry), dead (in the dead-letter set)',
      ['queue', 'outcome'],
    );
    this.deliveryAttempts = counter(
      'wallet_worker_webhook_attempts_total',
      'Webhook delivery attempts by result: 2xx, 3xx, 4xx, 5xx, timeout, network, blocked',
      ['result'],
    );
    this.deliveryLatency = new Histogram({
      name: 'wallet_worker_webhook_delivery_seconds',
      help: 'From the ledger commit (event occurredAt) to a 2xx from the endpoint',
      buckets: DELIVERY_SECONDS_BUCKETS,
      registers: [this.registry],
    });
    this.outboxRelayed = counter(
      'wallet_worker_outbox_relayed_total',
      'Outbox events relayed (published): with their deliveries in BullMQ, or none to make',
    );
    this.deliveriesEnqueued = counter(
      'wallet_worker_outbox_deliveries_enqueued_total',
      'Delivery jobs the relay handed to BullMQ: one per event and matching endpoint (ids BullMQ already held count too)',
    );
    this.deliveryRechecks = counter(
      'wallet_worker_delivery_rechecks_total',
      'Deliveries still pending after the re-relay horizon, by what was found: queued (job still in Redis), ' +
        'rerelayed (job vanished, added again), settled (finished job recorded late)',
      ['result'],
    );
    this.relayFailures = counter(
      'wallet_worker_outbox_relay_failures_total',
      'Relay and re-relay rounds that failed (Redis or database down)',
    );
    this.relayWakeups = counter(
      'wallet_worker_outbox_wakeups_total',
      'Relay pauses ended, by source: notify (the store signalled committed outbox events) or poll (OUTBOX_POLL_MS ran out)',
      ['source'],
    );
    this.reconciliationMismatches = gauge(
      'wallet_reconciliation_mismatches',
      'Mismatches found by the last reconciliation',
    );
    this.reconciliationLastRun = gauge(
      'wallet_reconciliation_last_run_timestamp_seconds',
      'End of the last reconciliation, unix seconds',
    );
    this.reconciliationWallets = gauge(
      'wallet_reconciliation_wallets_checked',
      'Wallets checked by the last reconciliation',
    );
    this.idempotencyPurged = counter('wallet_idempotency_purged_total', 'Expired idempotency records deleted');
    this.holdsExpired = counter(
      'wallet_holds_expired_total',
      'Holds released by the expiry sweep (status expired, amount back in the available balance)',
    );
    this.holdSweepFailures = counter(
      'wallet_hold_sweep_failures_total',
      'Hold expiry sweep rounds that failed (database down); the next round retries',
    );
    this.#registerScrapeGauges();
  }

  /** Wires the scrape-time sources once the queues and the store exist. */
  attach(sources: ScrapeSources): void {
    this.#sources = sources;
  }

  /** Gauges read at scrape time from Redis and the database; a failed read keeps the last value. */
  #registerScrapeGauges(): void {
    // The gauges' collect() runs with `this` bound to the gauge; the arrow keeps hold of this object.
    const currentSources = (): ScrapeSources | undefined => this.#sources;
    new Gauge({
      name: 'wallet_worker_queue_jobs',
      help: 'Jobs per queue and state (queue depth)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const sources = currentSources();
        if (!sources) return;
        try {
          for (const { queue, counts } of await sources.queueCounts()) {
            for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
          }
        } catch {
          // Redis down: keep the last values; readiness and the relay report the outage.
        }
      },
    });
    new Gauge({
      name: 'wallet_worker_outbox_lag_seconds',
      help: 'Age of the oldest outbox event not yet handed to BullMQ',
      registers: [this.registry],
      async collect() {
        const sources = currentSources();
        if (!sources) return;
        try {
          this.set(await sources.outboxLagSeconds());
        } catch {
          // Database down: keep the last value.
        }
      },
    });
  }
}
