import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import type { Config } from '@wallet/config';
import type { LedgerStore } from '@wallet/ledger';
import {
  JOB_NAMES,
  MAINTENANCE_JOB_OPTIONS,
  createProducerRedis,
  createQueues,
  createWorkerRedis,
  queueNaming,
  webhookBackoffStrategy,
  type DeliveryPolicy,
  type WalletQueues,
} from '@wallet/queue';
import { WorkerMetrics } from './metrics.js';
import { OutboxRelay } from './outbox-relay.js';
import { buildHealthServer } from './health-server.js';
import { createDeliverProcessor } from './processors/deliver-webhook.js';
import { createMaintenanceProcessor } from './processors/maintenance.js';
import { createHoldExpirySweeper } from './processors/hold-expiry.js';
import { errorSummary, withSafeFailures } from './error-summary.js';

/** How often expired idempotency records are purged. */
export const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** Lock on an active job; renewed by BullMQ while the job runs, so it only bounds a crashed worker's hold. */
const LOCK_DURATION_MS = 60_000;
/** A job whose lock lapsed this many times is failed rather than run again (crash loop guard). */
const MAX_STALLED_COUNT = 2;
/** Bound on reading queue depth for one scrape. */
const SCRAPE_TIMEOUT_MS = 1000;

export interface BuildWorkerOptions {
  config: Config;
  /** A store that `ready()` has not been called on yet; the worker owns and closes it. */
  store: LedgerStore;
  logger?: Logger;
  /** Claim owner of the relay; default a random UUID. */
  owner?: string;
  /** Outbox lease; default 30 000 ms. Tests shorten it to see Redis outages heal quickly. */
  outboxLeaseMs?: number;
}

export interface WalletWorker {
  readonly metrics: WorkerMetrics;
  readonly queues: WalletQueues;
  readonly relay: OutboxRelay;
  /** Connects the store, schedules maintenance, starts the workers, relay and HTTP server. */
  start(): Promise<{ port: number }>;
  /** SIGTERM path: readiness off, relay stopped, active jobs finished, everything closed. */
  close(): Promise<void>;
}

/** Builds the worker process's parts. No side effects until start(). */
export function buildWorker(options: BuildWorkerOptions): WalletWorker {
  const { config, store } = options;
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL });
  const instance = randomUUID();
  const naming = queueNaming(config.REDIS_PREFIX);
  const policy: DeliveryPolicy = { attempts: config.WEBHOOK_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS };
  const metrics = new WorkerMetrics();

  // Producers fail fast (the relay must notice Redis down); BullMQ workers wait for Redis.
  const producer = createProducerRedis(config.REDIS_URL, `worker-producer-${instance}`);
  const consumer = createWorkerRedis(config.REDIS_URL, `worker-consumer-${instance}`);
  const redisClients: Redis[] = [producer, consumer];
  for (const client of redisClients) {
    client.on('error', (error) => logger.debug({ error: errorSummary(error) }, 'redis connection error'));
  }
  const queues = createQueues(producer, naming);
  for (const queue of [queues.deliveries, queues.maintenance]) {
    // Without a listener BullMQ prints connection errors with their stack to stderr.
    queue.on('error', (error) => logger.debug({ error: errorSummary(error), queue: queue.name }, 'queue error'));
  }
  const relay = new OutboxRelay({
    store,
    deliveries: queues.deliveries,
    owner: options.owner ?? `worker-${instance}`,
    batchSize: config.OUTBOX_BATCH_SIZE,
    pollMs: config.OUTBOX_POLL_MS,
    leaseMs: options.outboxLeaseMs ?? 30_000,
    enqueueTimeoutMs: 5000,
    failureBackoffMaxMs: 5000,
    policy,
    logger,
    metrics,
  });

  const common = {
    connection: consumer,
    prefix: naming.prefix,
    autorun: false,
    lockDuration: LOCK_DURATION_MS,
    maxStalledCount: MAX_STALLED_COUNT,
    settings: { backoffStrategy: webhookBackoffStrategy(policy.backoffMs) },
  };
  const workers = [
    new Worker(
      naming.deliveries,
      withSafeFailures(
        createDeliverProcessor({
          store,
          metrics,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        }),
      ),
      { ...common, concurrency: config.WORKER_CONCURRENCY },
    ),
    new Worker(naming.maintenance, withSafeFailures(createMaintenanceProcessor({ store, metrics, logger })), {
      ...common,
      concurrency: 1,
    }),
  ];
  for (const worker of workers) observeWorker(worker, metrics, logger);
  const holdExpiry = createHoldExpirySweeper(store, config, { metrics, logger });

  metrics.attach({
    queueCounts: () =>
      raceTimeout(
        Promise.all(
          [queues.deliveries, queues.maintenance].map(async (queue) => ({
            queue: queue.name,
            counts: await queue.getJobCounts(),
          })),
        ),
        SCRAPE_TIMEOUT_MS,
      ),
    outboxLagSeconds: () => raceTimeout(store.outboxLagSeconds(), SCRAPE_TIMEOUT_MS),
  });

  let accepting = false;
  const server = buildHealthServer(
    {
      isAccepting: () => accepting,
      database: () => store.ping(),
      redis: async () => {
        await producer.ping();
      },
    },
    metrics,
  );

  return {
    metrics,
    queues,
    relay,
    async start() {
      await store.ready();
      await queues.maintenance.upsertJobScheduler(
        JOB_NAMES.reconcile,
        { every: config.RECONCILE_INTERVAL_MS },
        { name: JOB_NAMES.reconcile, data: {}, opts: MAINTENANCE_JOB_OPTIONS },
      );
      await queues.maintenance.upsertJobScheduler(
        JOB_NAMES.purgeIdempotency,
        { every: PURGE_INTERVAL_MS },
        { name: JOB_NAMES.purgeIdempotency, data: {}, opts: MAINTENANCE_JOB_OPTIONS },
      );
      for (const worker of workers) {
        worker
          .run()
          .catch((error: unknown) =>
            logger.error({ error: errorSummary(error), queue: worker.name }, 'worker stopped'),
          );
      }
      relay.start();
      holdExpiry.start();
      await server.listen({ port: config.WORKER_PORT, host: config.HOST });
      accepting = true;
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.WORKER_PORT;
      logger.info({ port, concurrency: config.WORKER_CONCURRENCY }, 'worker started');
      return { port };
    },
    async close() {
      accepting = false;
      await Promise.all([relay.stop(), holdExpiry.stop()]);
      // Worker.close() waits for active jobs to finish; unfinished ones are picked up again after their lock lapses.
      await Promise.all(workers.map((worker) => worker.close()));
      await queues.close();
      await Promise.all(redisClients.map((client) => client.quit().catch(() => client.disconnect())));
      await store.close();
      await server.close();
      logger.info('worker stopped');
    },
  };
}

function observeWorker(worker: Worker, metrics: WorkerMetrics, logger: Logger): void {
  worker.on('completed', () => metrics.jobs.inc({ queue: worker.name, outcome: 'completed' }));
  worker.on('failed', (job: Job | undefined, error: Error) => {
    const attempts = job?.opts.attempts ?? 1;
    const dead = error.name === 'UnrecoverableError' || (job?.attemptsMade ?? attempts) >= attempts;
    metrics.jobs.inc({ queue: worker.name, outcome: dead ? 'dead' : 'retrying' });
    const fields = {
      queue: worker.name,
      jobId: job?.id,
      attemptsMade: job?.attemptsMade,
      reason: error.message.slice(0, 200),
    };
    if (dead) logger.warn(fields, 'job moved to the dead-letter set');
    else logger.info(fields, 'job attempt failed; will retry');
  });
  worker.on('error', (error) => logger.warn({ error: errorSummary(error), queue: worker.name }, 'worker error'));
}

async function raceTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
