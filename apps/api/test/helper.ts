// Shared test harness: builds the real API against PostgreSQL (a fresh schema per test file) and Redis (a fresh key prefix), and mints tokens.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createSigner } from 'fast-jwt';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

type InjectPayload = InjectOptions['payload'];
import { loadConfig, type Config } from '@wallet/config';
import { PostgresStore } from '@wallet/store-postgres';
import { buildApp } from '../src/app.js';

export { freePort } from '../../../test/support/free-port.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!!';

/** The smallest surface of node-tap's `t` this helper needs, so any test runner can use it. */
export interface TeardownHost {
  teardown(fn: () => unknown): void;
}

export interface TokenOptions {
  roles?: string[];
  /** Lifetime in seconds; default 3600. Negative makes an expired token. */
  ttlSeconds?: number;
  secret?: string;
  algorithm?: 'HS256' | 'HS384';
  claims?: Record<string, unknown>;
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** The PostgreSQL schema of this test app (dropped at teardown). */
  schema: string;
  /** The Redis key prefix of this test app. */
  prefix: string;
  token(sub: string, options?: TokenOptions): string;
  /** Authorization headers for `sub` (and an Idempotency-Key when given). */
  auth(sub: string, extra?: Record<string, string>, options?: TokenOptions): Record<string, string>;
  /** Creates a wallet for `sub` and, when `balance` > 0, credits it; returns the wallet id. */
  wallet(sub: string, currency?: string, balance?: number): Promise<string>;
}

export interface BuildOptions {
  /** Environment overrides (strings, as the process would see them). */
  env?: Record<string, string>;
  redisUrl?: string;
  /** Reuse an existing schema (restart scenarios); the creator drops it. */
  schema?: string;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      JWT_SECRET: TEST_JWT_SECRET,
      DB_POOL_MAX: '10',
      ...env,
    },
    { requireJwt: true },
  );
}

export function newSchemaName(): string {
  return `t_${randomUUID().replaceAll('-', '')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export function mintToken(sub: string, options: TokenOptions = {}): string {
  const nowS = Math.floor(Date.now() / 1000);
  const sign = createSigner({ key: options.secret ?? TEST_JWT_SECRET, algorithm: options.algorithm ?? 'HS256' });
  const payload: Record<string, unknown> = {
    sub,
    iat: nowS,
    exp: nowS + (options.ttlSeconds ?? 3600),
    ...options.claims,
  };
  if (options.roles) payload.roles = options.roles;
  return sign(payload);
}

/** Builds the app on a fresh schema and Redis prefix; closes it and drops the schema at teardown. */
export async function build(t: TeardownHost, options: BuildOptions = {}): Promise<TestApp> {
  const schema = options.schema ?? newSchemaName();
  const prefix = `t${randomUUID()}`;
  const config = testConfig({ DATABASE_SCHEMA: schema, REDIS_PREFIX: prefix, ...options.env });
  const store = new PostgresStore({
    connectionString: config.DATABASE_URL,
    schema,
    poolMax: config.DB_POOL_MAX,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
  });
  const app = await buildApp({ config, store, redis: { url: options.redisUrl ?? config.REDIS_URL, prefix } });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    if (!options.schema) await dropSchema(schema);
  });
  const token = (sub: string, tokenOptions?: TokenOptions) => mintToken(sub, tokenOptions);
  const auth = (sub: string, extra: Record<string, string> = {}, tokenOptions?: TokenOptions) => ({
    authorization: `Bearer ${token(sub, tokenOptions)}`,
    ...extra,
  });
  const wallet = async (sub: string, currency = 'USD', balance = 0) => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/wallets',
      headers: auth(sub),
      payload: { currency },
    });
    if (created.statusCode !== 201) throw new Error(`wallet creation failed: ${created.statusCode} ${created.body}`);
    const id = (created.json() as { data: { id: string } }).data.id;
    if (balance > 0) {
      const credited = await app.inject({
        method: 'POST',
        url: '/api/wallets/credit',
        headers: auth(sub, { 'idempotency-key': randomUUID() }),
        payload: { walletId: id, amount: balance },
      });
      if (credited.statusCode !== 200) throw new Error(`credit failed: ${credited.statusCode} ${credited.body}`);
    }
    return id;
  };
  return { app, config, schema, prefix, token, auth, wallet };
}

/** A JSON POST through app.inject (the payload is serialised by light-my-request). */
export function post(
  app: FastifyInstance,
  url: string,
  headers: Record<string, string>,
  payload: InjectPayload,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, headers, payload });
}

/** The parsed problem body of an error response. */
export function problemOf(response: LightMyRequestResponse): {
  code: string;
  status: number;
  detail: string;
  requestId: string;
  type: string;
  title: string;
} {
  return response.json();
}
