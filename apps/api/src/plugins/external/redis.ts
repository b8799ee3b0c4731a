import fp from 'fastify-plugin';
import fastifyRedis from '@fastify/redis';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { settlesWithin } from '@wallet/async';
import { defineApiScripts, type ApiScripts } from '../../lib/redis-scripts.js';

/**
 * What the API adds to the ecosystem's `app.redis` (the ioredis client, decorated by
 * @fastify/redis): Redis is a fast path and a cache, never needed for correctness.
 */
export interface RedisFastPath {
  /** The Lua scripts, called by SHA (rate-limit counter, idempotency begin/finish). */
  scripts: ApiScripts;
  /** Prefix of every key (`REDIS_PREFIX`), so test runs and deployments never collide. */
  prefix: string;
  /** True while the connection is usable; callers skip Redis (and count a fallback) otherwise. */
  isReady(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    redisFastPath: RedisFastPath;
  }
}

export interface RedisPluginOptions {
  url: string;
  prefix: string;
}

/** A dead Redis must cost a request milliseconds, not seconds (STACK.md: fail fast, fall back). */
const CONNECT_TIMEOUT_MS = 1000;
const COMMAND_TIMEOUT_MS = 500;
const RECONNECT_DELAY_MAX_MS = 2000;
const QUIT_TIMEOUT_MS = 1000;
/** How long start-up waits for a first connection before serving degraded. */
const STARTUP_WAIT_MS = 1500;

export function createApiRedisClient(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    lazyConnect: true,
    // Keep trying forever, but at most every 2 s: Redis coming back restores the fast paths.
    retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_DELAY_MAX_MS),
  });
}

/**
 * Registers the configured client through @fastify/redis (`app.redis`) and decorates
 * `app.redisFastPath`. @fastify/redis waits for the client's first `ready` before it calls
 * back, which with Redis down would hold start-up until Redis returns; the API must start
 * degraded instead, so the plugin is invoked with a callback that start-up waits for at most
 * STARTUP_WAIT_MS (the decorator exists from the call on). `closeClient: false`: the client
 * is closed here, with a bounded QUIT, because a QUIT to a dead server never answers.
 * (@fastify/redis gives up on a client whose host does not resolve before its first
 * connection, ENOTFOUND: the API then serves without Redis until it is restarted.)
 */
export default fp<RedisPluginOptions>(
  async function redisPlugin(app, options) {
    const client = createApiRedisClient(options.url);
    watchState(app, client);
    // A failed first connect is not fatal: ioredis keeps retrying on retryStrategy's schedule.
    client.connect().catch(() => undefined);
    await settlesWithin(registerFastifyRedis(app, client), STARTUP_WAIT_MS);
    app.decorate('redisFastPath', {
      scripts: defineApiScripts(client),
      prefix: options.prefix,
      isReady: () => client.status === 'ready',
    } satisfies RedisFastPath);
    app.addHook('onClose', async () => closeClient(client));
  },
  { name: 'redis' },
);

function registerFastifyRedis(app: FastifyInstance, client: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    fastifyRedis(app, { client, closeClient: false }, (error?: Error) => (error ? reject(error) : resolve()));
  });
}

/** An 'error' listener is mandatory (ioredis re-emits socket errors); state changes are logged, without driver text. */
function watchState(app: FastifyInstance, client: Redis): void {
  let lastState = 'init';
  const logState = (state: 'up' | 'down'): void => {
    if (state === lastState) return;
    lastState = state;
    if (state === 'up') app.log.info('redis connected');
    else
      app.log.warn('redis unavailable: serving without cache, with database idempotency and per-process rate limits');
  };
  client.on('error', () => logState('down'));
  client.on('ready', () => logState('up'));
}

/** QUIT lets pending replies arrive; a dead server would make it hang, so disconnect after a bound. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  // A client that never became ready still carries @fastify/redis's start-up 'end' listener,
  // which answers the 'end' of our disconnect with a QUIT that rejects unhandled ("Connection
  // is closed"). Nothing else listens for 'end' on this client.
  if (client.status !== 'ready') client.removeAllListeners('end');
  if (client.status === 'ready') await settlesWithin(client.quit(), QUIT_TIMEOUT_MS);
  client.disconnect();
}
