import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Sources read at scrape time; each may fail (Redis or the database down) without breaking /metrics. */
export interface ScrapeSources {
  queueCounts(): Promise<Array<{ queue: string; counts: Record<string, number> }>>;
  outboxLagSeconds(): Promise<number>;
}

/** Job states exported as queue depth. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed', 'paused'] as const;

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
  readonly relayFailures: Counter<never>;
  readonly reconciliationMismatches: Gauge<never>;
  readonly reconciliationLastRun: Gauge<never>;
  readonly reconciliationWallets: Gauge<never>;
  readonly idempotencyPurged: Counter<never>;
  readonly holdsExpired: Counter<never>;
  readonly holdSweepFailures: Counter<never>;
  #sources: ScrapeSources | undefined;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'wallet_worker_' });
    this.jobs = new Counter({
      name: 'wallet_worker_jobs_total',
      help: 'Jobs by queue and outcome: completed, retrying (attempt failed, will retry), dead (in the dead-letter set)',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.deliveryAttempts = new Counter({
      name: 'wallet_worker_webhook_attempts_total',
      help: 'Webhook delivery attempts by result: 2xx, 3xx, 4xx, 5xx, timeout, network, blocked',
      labelNames: ['result'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'wallet_worker_webhook_delivery_seconds',
      help: 'From the ledger commit (event occurredAt) to a 2xx from the endpoint',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600],
      registers,
    });
    this.outboxRelayed = new Counter({
      name: 'wallet_worker_outbox_relayed_total',
      help: 'Outbox events relayed (published): with their deliveries in BullMQ, or none to make',
      registers,
    });
    this.deliveriesEnqueued = new Counter({
      name: 'wallet_worker_outbox_deliveries_enqueued_total',
      help: 'Delivery jobs the relay handed to BullMQ: one per event and matching endpoint (ids BullMQ already held count too)',
      registers,
    });
    this.relayFailures = new Counter({
      name: 'wallet_worker_outbox_relay_failures_total',
      help: 'Relay rounds that failed (Redis or database down)',
      registers,
    });
    this.reconciliationMismatches = new Gauge({
      name: 'wallet_reconciliation_mismatches',
      help: 'Mismatches found by the last reconciliation',
      registers,
    });
    this.reconciliationLastRun = new Gauge({
      name: 'wallet_reconciliation_last_run_timestamp_seconds',
      help: 'End of the last reconciliation, unix seconds',
      registers,
    });
    this.reconciliationWallets = new Gauge({
      name: 'wallet_reconciliation_wallets_checked',
      help: 'Wallets checked by the last reconciliation',
      registers,
    });
    this.idempotencyPurged = new Counter({
      name: 'wallet_idempotency_purged_total',
      help: 'Expired idempotency records deleted',
      registers,
    });
    this.holdsExpired = new Counter({
      name: 'wallet_holds_expired_total',
      help: 'Holds released by the expiry sweep (status expired, amount back in the available balance)',
      registers,
    });
    this.holdSweepFailures = new Counter({
      name: 'wallet_hold_sweep_failures_total',
      help: 'Hold expiry sweep rounds that failed (database down); the next round retries',
      registers,
    });

    // The gauges' collect() runs with `this` bound to the gauge; the arrow keeps hold of this object.
    const currentSources = (): ScrapeSources | undefined => this.#sources;
    new Gauge({
      name: 'wallet_worker_queue_jobs',
      help: 'Jobs per queue and state (queue depth)',
      labelNames: ['queue', 'state'],
      registers,
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
      registers,
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

  /** Wires the scrape-time sources once the queues and the store exist. */
  attach(sources: ScrapeSources): void {
    this.#sources = sources;
  }
}
