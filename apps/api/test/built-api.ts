// The BUILT API (apps/api/dist/main.js) as a child process on PostgreSQL and Redis, for the
// drain tests here and in test/deploy: a fresh schema and Redis prefix per start, removed with
// the process at teardown; plus the HTTP steps both drive it with.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Test } from 'tap';
import { TEST_DATABASE_URL, TEST_JWT_SECRET, TEST_REDIS_URL, dropSchema, freePort, newSchemaName } from './helper.js';
import { heldCredit, send, waitUntilReady } from './http-client.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface BuiltApi {
  port: number;
  schema: string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  kill(signal: NodeJS.Signals): void;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts the built API with `env` over its defaults (a test database schema and Redis prefix of
 * its own, the test JWT secret, budgets out of the way) and waits until it is ready. Teardown
 * kills it if it still runs, then drops the schema and deletes the prefix's keys.
 * DRAIN_DEBUG=1 shows the child's drain log lines (connections open at the stop, cut off).
 */
export async function startBuiltApi(t: Test, env: Record<string, string>, readyWaitMs: number): Promise<BuiltApi> {
  const schema = newSchemaName();
  const prefix = `t${randomUUID()}`;
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      DB_POOL_MAX: '10',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_MAX: '10000',
      RATE_LIMIT_WRITE_MAX: '10000',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (process.env.DRAIN_DEBUG) process.stderr.write(chunk.toString().replace(/^(?!.*drain).*$\n?/gm, ''));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await dropSchema(schema);
    await deleteKeys(prefix);
  });
  await waitUntilReady(port, child, readyWaitMs, () => stderr);
  return { port, schema, exited, kill: (signal) => child.kill(signal), stdout: () => stdout, stderr: () => stderr };
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

/** Creates a USD wallet over HTTP for the bearer `authorization`; throws unless 201. */
export async function createWallet(port: number, authorization: string): Promise<string> {
  const created = await send(
    port,
    'POST',
    '/api/wallets',
    { authorization, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    '{"currency":"USD"}',
  );
  if (created.status !== 201) throw new Error(`wallet not created: ${created.status} ${created.body}`);
  return (JSON.parse(created.body) as { data: { id: string } }).data.id;
}

/** `count` credits of `amountMinor` into `walletId`, each with its own key, all held in flight (see heldCredit). */
export function heldCredits(port: number, authorization: string, walletId: string, amountMinor: number, count: number) {
  const body = JSON.stringify({ walletId, amount: amountMinor });
  return Promise.all(
    Array.from({ length: count }, () => heldCredit(port, { authorization, 'idempotency-key': randomUUID() }, body)),
  );
}
