// Database and Redis chores around the measured runs: waiting for the worker to drain the
// outbox between scenarios (so one scenario's notifications do not eat the next one's CPU),
// and removing the run's schema and Redis keys at the end. Never part of a measurement.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Redis } from 'ioredis';

/** Keys deleted per SCAN round, and a bound on rounds (a run writes tens of thousands). */
const SCAN_COUNT = 1000;
const SCAN_ROUNDS_MAX = 10_000;

export function openDatabase(connectionString) {
  const pool = new pg.Pool({
    connectionString,
    max: 2,
    connectionTimeoutMillis: 5000,
    statement_timeout: 30_000,
    application_name: 'wallet-bench',
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Unpublished outbox events in the API's tables (0 when the table does not exist yet). */
export async function pendingOutbox(pool, schema) {
  try {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.outbox WHERE published_at IS NULL`);
    return rows[0].n;
  } catch {
    return 0;
  }
}

/** Waits until the outbox is empty or timeoutMs passes; returns { drained, pending, waitedMs }. */
export async function waitOutboxDrained(pool, schema, timeoutMs) {
  const startedAtMs = Date.now();
  let pending = await pendingOutbox(pool, schema);
  while (pending > 0 && Date.now() - startedAtMs < timeoutMs) {
    await sleep(250);
    pending = await pendingOutbox(pool, schema);
  }
  return { drained: pending === 0, pending, waitedMs: Date.now() - startedAtMs };
}

export async function dropSchema(pool, schema) {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** Deletes every Redis key under `<prefix>:` (idempotency replies, cache, BullMQ queues). */
export async function deleteRedisPrefix(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    let deleted = 0;
    for (let round = 0; round < SCAN_ROUNDS_MAX; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', SCAN_COUNT);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}
