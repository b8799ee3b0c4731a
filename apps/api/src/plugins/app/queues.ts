import fp from 'fastify-plugin';
import { closeClient } from '../external/redis.js';
import type { Redis } from 'ioredis';
import {
  createProducerRedis,
  createQueues,
  deadLetterSources,
  listDeadLetters,
  queueNaming,
  retryDeadLetter,
  type DeadLetter,
  type DeadLetterPage,
  type WalletQueues,
} from '@wallet/queue';

/** The API's view of the worker's queues: dead letters to list and re-drive. */
export interface ApiQueues {
  listDeadLetters(page: { limit: number; cursor?: string }): Promise<DeadLetterPage>;
  retryDeadLetter(id: string): Promise<DeadLetter | null>;
}

declare module 'fastify' {
  interface FastifyInstance {
    queues: ApiQueues;
  }
}

export interface QueuesPluginOptions {
  /** Default: the app's REDIS_URL and REDIS_PREFIX. */
  url?: string;
  prefix?: string;
}

/**
 * Decorates `app.queues`. Its own Redis client, fail-fast (maxRetriesPerRequest 1), so an
 * admin request with Redis down gets a 503 quickly instead of hanging; BullMQ may load
 * scripts on it, which the shared cache client (no offline queue) would refuse at start.
 */
export default fp<QueuesPluginOptions>(
  async function queuesPlugin(app, options) {
    const url = options.url ?? app.config.REDIS_URL;
    const redis: Redis = createProducerRedis(url, 'api-queues');
    redis.on('error', () => undefined); // The Redis plugin already reports outages; avoid a second stream of logs.
    const queues: WalletQueues = createQueues(redis, queueNaming(options.prefix ?? app.config.REDIS_PREFIX));
    for (const queue of [queues.deliveries, queues.maintenance]) queue.on('error', () => undefined);
    const sources = deadLetterSources(queues);
    app.decorate('queues', {
      listDeadLetters: (page) => listDeadLetters(redis, sources, page),
      retryDeadLetter: (id) => retryDeadLetter(sources, id),
    } satisfies ApiQueues);
    app.addHook('onClose', async () => {
      await queues.close().catch(() => undefined);
      await closeClient(redis);
    });
  },
  { name: 'queues' },
);
