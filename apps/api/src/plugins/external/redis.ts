import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { defineApiScripts, type ApiScripts } from '../../lib/redis-scripts.js';

/** The API's Redis: a fast path and a cache, never needed for correctness. */
export interface ApiRedis {
  client: Redis;
  /** The Lua scripts, called by SHA (rate-limit counter, idempotency begin/finish). */
  scripts: ApiScripts;
  /** Prefix of every key (`REDIS_PREFIX`), so test runs and deployments never collide. */
  prefix: string;
  /** True while the connection is usable; callers skip Redis (and count a fallback) otherwise. */
  isReady(): boolean;
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

/** Decorates `app.apiRedis`; closes the client when the app closes. */
export default fp<RedisPluginOptions>(
  async function redisPlugin(app, options) {
    const client = createApiRedisClient(options.url);
    let lastState = 'init';
    // An 'error' listener is mandatory (ioredis re-emits socket errors); log state changes only, without driver text.
    client.on('error', () => logState('down'));
    client.on('ready', () => logState('up'));
    function logState(state: string): void {
      if (state === lastState) return;
      lastState = state;
      if (state === 'up') app.log.info('redis connected');
      else
        app.log.warn('redis unavailable: serving without cache, with database idempotency and per-process rate limits');
    }
    await waitForFirstConnection(client);
    const scripts = defineApiScripts(client);
    app.decorate('apiRedis', {
      client,
      scripts,
      prefix: options.prefix,
      isReady: () => client.status === 'ready',
    } satisfies ApiRedis);
    app.addHook('onClose', async () => closeClient(client));
  },
  { name: 'redis' },
);

async function waitForFirstConnection(client: Redis): Promise<void> {
  const timer = new Promise<void>((resolve) => setTimeout(resolve, STARTUP_WAIT_MS).unref());
  await Promise.race([client.connect().catch(() => undefined), timer]);
}

/** QUIT lets pending replies arrive; a dead server would make it hang, so disconnect after a bound. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS, 'timeout').unref());
  const quit = client.status === 'ready' ? client.quit().catch(() => 'failed') : Promise.resolve('skipped');
  await Promise.race([quit, timer]);
  client.disconnect();
}
