// Shared fixtures for the worker tests: a private PostgreSQL schema, a Redis key prefix, a
// LedgerService over PostgresStore, a loopback webhook receiver and a worker to start.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import pino from 'pino';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '@wallet/config';
import { LedgerService, type Caller, type OutboxEventType, type WebhookEndpoint } from '@wallet/ledger';
import { generateWebhookSecret } from '@wallet/webhooks';
import { PostgresStore } from '@wallet/store-postgres';
import { buildWorker, type WalletWorker } from '../src/worker.js';
import { freePort } from '../../../test/support/free-port.js';
import { waitFor } from '../../../test/support/wait-for.js';

export { freePort, waitFor };

export const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = 'redis://127.0.0.1:6379';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL,
    REDIS_URL,
    REDIS_PREFIX: `t-${randomUUID()}`,
    HOST: '127.0.0.1',
    WORKER_PORT: '0',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_BACKOFF_MS: '10',
    WEBHOOK_TIMEOUT_MS: '2000',
    OUTBOX_POLL_MS: '20',
    DB_POOL_MAX: '5',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

/** A fresh schema per test file; dropped at teardown. */
export function newSchema(t: Teardown): string {
  const schema = 't_' + randomUUID().replaceAll('-', '');
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  return schema;
}

export function newStore(schema: string): PostgresStore {
  return new PostgresStore({ connectionString: DATABASE_URL, schema, poolMax: 5, statementTimeoutMs: 5000 });
}

/** A store for writes from the test itself (the worker owns and closes its own). */
export async function writerStore(t: Teardown, schema: string): Promise<PostgresStore> {
  const store = newStore(schema);
  await store.ready();
  t.teardown(() => store.close());
  return store;
}

export function ledgerFor(store: PostgresStore): LedgerService {
  return new LedgerService(store, {
    maxAmountMinor: 100_000_000_000,
    retry: { attempts: 20, backoffMs: 2 },
    idempotencyTtlSeconds: 3600,
    cursorSecret: 'test-cursor-secret-at-least-32-bytes-long',
  });
}

export interface Fixture {
  schema: string;
  /** The test's own store for writes (the worker owns and closes its own). */
  store: PostgresStore;
  ledger: LedgerService;
  /** newWallet on this fixture's ledger. */
  openWallet(userId: string, currency?: string): Promise<string>;
}

/** A fresh schema, a writer store on it and a LedgerService over that store. */
export async function ledgerFixture(t: Teardown): Promise<Fixture> {
  const schema = newSchema(t);
  const store = await writerStore(t, schema);
  const ledger = ledgerFor(store);
  return { schema, store, ledger, openWallet: (userId, currency) => newWallet(ledger, userId, currency) };
}

export interface WorkerFixture extends Fixture {
  config: Config;
  /** startWorker with this fixture's config and schema. */
  launchWorker(extra?: WorkerExtras): ReturnType<typeof startWorker>;
}

/**
 * ledgerFixture plus a test config (with `overrides`) whose Redis prefix is cleaned at teardown;
 * a test that points REDIS_URL at its own redis-server has nothing to clean on the shared one.
 */
export async function workerFixture(t: Teardown, overrides: Record<string, string> = {}): Promise<WorkerFixture> {
  const config = testConfig(overrides);
  if (overrides.REDIS_URL === undefined) cleanRedisPrefix(t, config.REDIS_PREFIX);
  const fixture = await ledgerFixture(t);
  return { ...fixture, config, launchWorker: (extra) => startWorker(t, config, fixture.schema, extra) };
}

/** An endpoint for userId (every event type unless `events` narrows it), not yet stored. */
export const endpointOf = (
  userId: string,
  events: OutboxEventType[] = [],
  url = 'http://127.0.0.1:9/hook',
): WebhookEndpoint => ({
  id: randomUUID(),
  userId,
  url,
  events,
  secret: generateWebhookSecret(),
  createdAt: new Date().toISOString(),
});

/** Stores a new endpoint for userId at url and returns it. */
export async function addEndpoint(
  store: PostgresStore,
  userId: string,
  url: string,
  events: OutboxEventType[] = [],
): Promise<WebhookEndpoint> {
  const endpoint = endpointOf(userId, events, url);
  await store.createWebhook(endpoint);
  return endpoint;
}

export const callerOf = (userId: string): Caller => ({ userId, requestId: randomUUID(), ip: '127.0.0.1' });

/** Creates a wallet for userId and returns its id. */
export async function newWallet(ledger: LedgerService, userId: string, currency = 'EUR'): Promise<string> {
  const result = await ledger.createWallet(callerOf(userId), { currency });
  const body = result.body as { data: { id: string } };
  return body.data.id;
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  atMs: number;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  server: Server;
}

/** A loopback webhook receiver on port 0; `status` decides the answer to each request. */
export async function startReceiver(
  t: Teardown,
  status: (request: ReceivedRequest, index: number) => number = () => 204,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now() };
      requests.push(received);
      response.statusCode = status(received, requests.length - 1);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hook`, requests, server };
}

export interface WorkerExtras {
  outboxLeaseMs?: number;
  schedulerCheckMs?: number;
}

/** Builds and starts a worker; closed at teardown unless the test closed it already. */
export async function startWorker(
  t: Teardown,
  config: Config,
  schema: string,
  extra: WorkerExtras = {},
): Promise<WalletWorker & { port: number }> {
  const worker = buildWorker({ config, store: newStore(schema), logger: pino({ level: 'silent' }), ...extra });
  let closed = false;
  const close = worker.close.bind(worker);
  const wrapped = Object.assign(worker, {
    close: async () => {
      if (closed) return;
      closed = true;
      await close();
    },
  });
  t.teardown(() => wrapped.close());
  const { port } = await worker.start();
  return Object.assign(wrapped, { port });
}

/** Deletes every Redis key under a prefix at teardown. */
export function cleanRedisPrefix(t: Teardown, prefix: string, url = REDIS_URL): void {
  t.teardown(async () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      let cursor = '0';
      for (let round = 0; round < 10_000; round++) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
    } catch {
      // A private Redis that is already gone has nothing left to clean.
    } finally {
      redis.disconnect();
    }
  });
}

/** A private redis-server on `port`, without persistence; resolves once it answers PING. */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined); // Refused connections are expected until the server is up.
  try {
    const up = await waitFor(
      async () => {
        try {
          if (probe.status !== 'ready') await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        }
      },
      10_000,
      50,
    );
    if (!up) throw new Error('redis-server did not start');
  } finally {
    probe.disconnect();
  }
  return child;
}

export async function stopRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGKILLs the server (nothing is persisted). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

/** A private redis-server on a free port, killed at teardown. */
export async function privateRedis(t: Teardown): Promise<PrivateRedis> {
  const port = await freePort();
  let child = await startRedisServer(port);
  t.teardown(() => stopRedisServer(child));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopRedisServer(child),
    restart: async () => {
      child = await startRedisServer(port);
    },
  };
}
