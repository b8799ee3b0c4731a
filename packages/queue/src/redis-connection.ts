import { Redis } from 'ioredis';

/** Bound on establishing one connection; after it ioredis retries on its own schedule. */
export const REDIS_CONNECT_TIMEOUT_MS = 2000;
/** Longest pause between two reconnection attempts while Redis is down. */
const RECONNECT_DELAY_MAX_MS = 2000;

const reconnectDelayMs = (times: number): number => Math.min(times * 100, RECONNECT_DELAY_MAX_MS);

/**
 * Connection for BullMQ Workers: commands wait for Redis to come back instead of failing
 * (BullMQ requires `maxRetriesPerRequest: null` and would otherwise throw).
 */
export function createWorkerRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelayMs,
    connectionName,
  });
}

/**
 * Connection for producers (the outbox relay's Queue, the API's dead-letter queue handles):
 * a command fails after one reconnection attempt, so a caller sees Redis down quickly and
 * leaves its work for later instead of hanging.
 */
export function createProducerRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelayMs,
    connectionName,
  });
}
