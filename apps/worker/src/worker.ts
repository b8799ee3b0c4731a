import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { withTimeout } from '@wallet/async';
import type { Config } from '@wallet/config';
import type { LedgerStore, OutboxWatch } from '@wallet/ledger';
import {
  JOB_NAMES,
  MAINTENANCE_JOB_OPTIONS,
  createProducerRedis,
  createQueues,
  createWorkerRedis,
  legacyBackoffStrategy,
  queueNaming,
  type DeliveryJob,
  type DeliveryPolicy,
  type QueueNaming,
  type WalletQueues,
} from '@wallet/queue';
import type { FastifyInstance } from 'fastify';
import { WorkerMetrics } from './metrics.js';
import { OutboxRelay } from './outbox-relay.js';
import { DeliveryResender } from './delivery-resend.js';
import { createHoldExpirySweeper, type HoldExpirySweeper } from './processors/hold-expiry.js';
import { buildHealthServer } from './health-server.js';
import { createDeliverProcessor } from './processors/deliver-webhook.js';
import { createMaintenanceProcessor } from './processors/maintenance.js';
import { errorSummary, withSafeFailures } from './error-summary.js';

/** How often expired idempotency records are purged. */
export const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/**
 * The worker's bounds and intervals, fixed here except `outboxLeaseMs` and `schedulerCheckMs`:
 * those are the defaults of the BuildWorkerOptions of the same names (tests shorten them).
 */
const WORKER_LIMITS = {
  /** Lock on an active job; renewed by BullMQ while the job runs, so it only bounds a crashed worker's hold. */
  lockDurationMs: 60_000,
  /** A job whose lock lapsed this many times is failed rather than run again (crash loop guard). */
  stalledCountMax: 2,
  /** Bound on reading queue depth for one scrape. */
  scrapeTimeoutMs: 1000,
  /** Bound on handing one batch to Redis (relay and re-relay); well below the outbox lease. */
  enqueueTimeoutMs: 5000,
  /** Longest pause of the relay after consecutive failed rounds. */
  relayFailurePauseMaxMs: 5000,
  /** Outbox lease: an event claimed but not published by then is claimed again. */
  outboxLeaseMs: 30_000,
  /** How often the maintenance job schedulers are checked for, so a Redis that came back empty gets them back. */
  schedulerCheckMs: 60_000,
} as const;

export interface BuildWorkerOptions {
  config: Config;
  /** A store that `ready()` has not been called on yet; the worker owns and closes it. */
  store: LedgerStore;
  logger?: Logger;
  /** Claim owner of the relay; default a random UUID. */
  owner?: string;
  /** Outbox lease; default 30 000 ms. Tests shorten it to see Redis outages heal quickly. */
  outboxLeaseMs?: number;
  /** Check for lost maintenance schedulers this often; default 60 000 ms. */
  schedulerCheckMs?: number;
}

export interface WalletWorker {
  readonly metrics: WorkerMetrics;
  readonly queues: WalletQueues;
  readonly relay: OutboxRelay;
  readonly resender: DeliveryResender;
  /** Connects the store, schedules maintenance, starts the workers, relay and HTTP server. */
  start(): Promise<{ port: number }>;
  /** SIGTERM path: readiness off, relay stopped, active jobs finished, everything closed. */
  close(): Promise<void>;
}

/** What every step shares: configuration, the store, Redis, the queues and the metrics. */
interface WorkerParts {
  config: Config;
  store: LedgerStore;
  logger: Logger;
  instance: string;
  naming: QueueNaming;
  policy: DeliveryPolicy;
  metrics: WorkerMetrics;
  redisClients: Redis[];
  consumer: Redis;
  producer: Redis;
  queues: WalletQueues;
}

/** Builds the worker process's parts. No side effects until start(). */
export function buildWorker(options: BuildWorkerOptions): WalletWorker {
  const parts = createParts(options);
  const relay = buildRelay(parts, options);
  const resender = new DeliveryResender({
    store: parts.store,
    deliveries: parts.queues.deliveries,
    horizonMs: parts.config.WEBHOOK_RERELAY_AFTER_MS,
    redisTimeoutMs: WORKER_LIMITS.enqueueTimeoutMs,
    policy: parts.policy,
    logger: parts.logger,
    metrics: parts.metrics,
  });
  const workers = buildProcessors(parts);
  const holdExpiry = createHoldExpirySweeper(parts.store, parts.config, parts);
  attachScrapeSources(parts);
  let accepting = false;
  const server = buildHealthServer(
    {
      isAccepting: () => accepting,
      database: () => parts.store.ping(),
      redis: async () => {
        await parts.producer.ping();
      },
    },
    parts.metrics,
  );

  const schedulerCheckMs = options.schedulerCheckMs ?? WORKER_LIMITS.schedulerCheckMs;
  const running: Running = { workers, relay, resender, holdExpiry, server, schedulerCheckMs };
  return {
    metrics: parts.metrics,
    queues: parts.queues,
    relay,
    resender,
    async start() {
      const port = await startAll(parts, running);
      accepting = true;
      return { port };
    },
    async close() {
      accepting = false;
      await closeAll(parts, running);
    },
  };
}

/** Redis connections and queues. Producers fail fast (the relay must notice Redis down); BullMQ workers wait. */
function createParts(options: BuildWorkerOptions): WorkerParts {
  const { config, store } = options;
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL });
  const instance = randomUUID();
  const naming = queueNaming(config.REDIS_PREFIX);
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
  const policy: DeliveryPolicy = { attempts: config.WEBHOOK_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS };
  const metrics = new WorkerMetrics();
  return { config, store, logger, instance, naming, policy, metrics, redisClients, consumer, producer, queues };
}

function buildRelay(parts: WorkerParts, options: BuildWorkerOptions): OutboxRelay {
  const { config } = parts;
  return new OutboxRelay({
    store: parts.store,
    deliveries: parts.queues.deliveries,
    owner: options.owner ?? `worker-${parts.instance}`,
    batchSize: config.OUTBOX_BATCH_SIZE,
    pollMs: config.OUTBOX_POLL_MS,
    leaseMs: options.outboxLeaseMs ?? WORKER_LIMITS.outboxLeaseMs,
    enqueueTimeoutMs: WORKER_LIMITS.enqueueTimeoutMs,
    failureBackoffMaxMs: WORKER_LIMITS.relayFailurePauseMaxMs,
    rerelayAfterMs: config.WEBHOOK_RERELAY_AFTER_MS,
    policy: parts.policy,
    logger: parts.logger,
    metrics: parts.metrics,
  });
}

/** The two BullMQ workers (deliveries, maintenance), not running until start(). */
function buildProcessors(parts: WorkerParts): Worker[] {
  const { config, store, metrics, logger, naming } = parts;
  const common = {
    connection: parts.consumer,
    prefix: naming.prefix,
    autorun: false,
    lockDuration: WORKER_LIMITS.lockDurationMs,
    maxStalledCount: WORKER_LIMITS.stalledCountMax,
    // Delivery jobs use BullMQ's built-in exponential backoff; this only serves jobs that an
    // earlier version added with its custom backoff type, with the same schedule.
    settings: { backoffStrategy: legacyBackoffStrategy },
  };
  const deliver = createDeliverProcessor({
    store,
    metrics,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
  });
  const workers = [
    new Worker(naming.deliveries, withSafeFailures(deliver), { ...common, concurrency: config.WORKER_CONCURRENCY }),
    new Worker(naming.maintenance, withSafeFailures(createMaintenanceProcessor({ store, metrics, logger })), {
      ...common,
      concurrency: 1,
    }),
  ];
  for (const worker of workers) observeWorker(worker, parts);
  return workers;
}

function attachScrapeSources({ queues, store, metrics }: WorkerParts): void {
  metrics.attach({
    queueCounts: () =>
      withTimeout(
        Promise.all(
          [queues.deliveries, queues.maintenance].map(async (queue) => ({
            queue: queue.name,
            counts: await queue.getJobCounts(),
          })),
        ),
        WORKER_LIMITS.scrapeTimeoutMs,
        'queue depth read timed out',
      ),
    outboxLagSeconds: () =>
      withTimeout(store.outboxLagSeconds(), WORKER_LIMITS.scrapeTimeoutMs, 'outbox lag read timed out'),
  });
}

interface Running {
  workers: Worker[];
  relay: OutboxRelay;
  resender: DeliveryResender;
  holdExpiry: HoldExpirySweeper;
  server: FastifyInstance;
  schedulerCheckMs: number;
  schedulerTimer?: NodeJS.Timeout;
  outboxWatch?: OutboxWatch;
}

/** The maintenance schedules: `upsertJobScheduler` makes any number of workers produce one run each. */
function schedules(config: Config) {
  return [
    { id: JOB_NAMES.reconcile, every: config.RECONCILE_INTERVAL_MS },
    { id: JOB_NAMES.purgeIdempotency, every: PURGE_INTERVAL_MS },
  ];
}

/** Creates (or updates) every scheduler; with `onlyMissing`, only those Redis no longer has (it came back empty). */
async function ensureSchedulers({ config, queues }: WorkerParts, onlyMissing: boolean): Promise<void> {
  for (const { id, every } of schedules(config)) {
    if (onlyMissing && (await queues.maintenance.getJobScheduler(id))) continue;
    await queues.maintenance.upsertJobScheduler(id, { every }, { name: id, data: {}, opts: MAINTENANCE_JOB_OPTIONS });
  }
}

async function startAll(parts: WorkerParts, running: Running): Promise<number> {
  const { config, store, logger } = parts;
  await store.ready();
  await ensureSchedulers(parts, false);
  running.schedulerTimer = setInterval(() => {
    ensureSchedulers(parts, true).catch((error: unknown) =>
      logger.warn({ error: errorSummary(error) }, 'maintenance schedulers not checked'),
    );
  }, running.schedulerCheckMs);
  running.schedulerTimer.unref();
  for (const worker of running.workers) {
    worker
      .run()
      .catch((error: unknown) => logger.error({ error: errorSummary(error), queue: worker.name }, 'worker stopped'));
  }
  running.relay.start();
  running.outboxWatch = await watchOutbox(parts, running.relay);
  running.resender.start();
  running.holdExpiry.start();
  await running.server.listen({ port: config.WORKER_PORT, host: config.HOST });
  const address = running.server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.WORKER_PORT;
  logger.info({ port, concurrency: config.WORKER_CONCURRENCY }, 'worker started');
  return port;
}

/** The store's commit signal wakes the relay at once; its poll stays as the safety net (docs/worker.md). */
function watchOutbox({ store, logger }: WorkerParts, relay: OutboxRelay): Promise<OutboxWatch> {
  return store.watchOutbox(
    () => relay.wake(),
    () => logger.info('outbox watch lost its connection; reconnecting (the poll covers the gap)'),
  );
}

async function closeAll(parts: WorkerParts, running: Running): Promise<void> {
  clearInterval(running.schedulerTimer);
  await running.outboxWatch?.close();
  await Promise.all([running.relay.stop(), running.resender.stop(), running.holdExpiry.stop()]);
  // Worker.close() waits for active jobs to finish; unfinished ones are picked up again after their lock lapses.
  await Promise.all(running.workers.map((worker) => worker.close()));
  await parts.queues.close();
  await Promise.all(parts.redisClients.map((client) => client.quit().catch(() => client.disconnect())));
  await parts.store.close();
  await running.server.close();
  parts.logger.info('worker stopped');
}

function observeWorker(worker: Worker, { metrics, logger, store, naming }: WorkerParts): void {
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
    if (dead && job && worker.name === naming.deliveries) recordDeadLetter(store, logger, job as Job<DeliveryJob>);
  });
  worker.on('error', (error) => logger.warn({ error: errorSummary(error), queue: worker.name }, 'worker error'));
}

/**
 * Records a dead-lettered delivery in the database. Best effort: if the write fails, the
 * delivery stays pending and the re-relay finds the failed job after the horizon and records
 * it then (DeliveryResender).
 */
function recordDeadLetter(store: LedgerStore, logger: Logger, job: Job<DeliveryJob>): void {
  const eventId = job.data?.event?.id;
  const endpointId = job.data?.endpointId;
  if (typeof eventId !== 'string' || typeof endpointId !== 'string') return;
  store
    .settleDelivery({ eventId, endpointId }, 'dead')
    .catch((error: unknown) =>
      logger.warn({ error: errorSummary(error), jobId: job.id }, 'dead letter not recorded; the re-relay will'),
    );
}
