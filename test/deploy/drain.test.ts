// Goal: the lame-duck drain the Kubernetes manifests rely on really happens: on SIGTERM
// readiness turns 503 while new requests are still served normally for SHUTDOWN_DELAY_MS, then
// the listener closes, requests already in flight finish with 200 (Connection: close) and the
// process exits 0 within SHUTDOWN_TIMEOUT_MS. Method: run the built API
// (apps/api/dist/main.js) as a child process on PostgreSQL and Redis with the ConfigMap's
// drain settings scaled down, hold 30 credits in flight (headers accepted, body withheld),
// send SIGTERM, watch the probes, then release the bodies.
import t from 'tap';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createSigner } from 'fast-jwt';
import { loadManifests, repoRoot, type K8sObject } from './deploy-files.js';
import { freePort } from '../../apps/api/test/helper.js';
import {
  expectAll200,
  expectConnection,
  heldCredit,
  send,
  waitUntilReady,
  type Reply,
} from '../../apps/api/test/http-client.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JWT_SECRET = `drain-test-secret-${randomUUID()}`;
const IN_FLIGHT_COUNT = 30;
const AMOUNT_MINOR = 125;
/** Longest wait for the API to become ready (cold start: migrations on a fresh schema). */
const READY_WAIT_MS = 30_000;
const POLL_MS = 50;

// The ConfigMap's drain settings, scaled so the test stays short; the ratios are kept.
const configMap = (loadManifests(['configmap.yaml'])[0]!.object as K8sObject & { data: Record<string, string> }).data;
const scale = Math.max(1, Math.ceil(Number(configMap.SHUTDOWN_TIMEOUT_MS) / 10_000));
const SHUTDOWN_DELAY_MS = Math.max(500, Math.round(Number(configMap.SHUTDOWN_DELAY_MS) / scale));
const SHUTDOWN_TIMEOUT_MS = Math.round(Number(configMap.SHUTDOWN_TIMEOUT_MS) / scale);
const REQUEST_TIMEOUT_MS = Math.round(Number(configMap.REQUEST_TIMEOUT_MS) / scale);

/** One request on a fresh connection (no keep-alive pool), so "refused" is observable. */
const request = (port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  send(port, method, path, headers, body, false, 5000);

t.test('SIGTERM drains the built API as the manifests expect', async (t) => {
  const schema = 't_' + randomUUID().replaceAll('-', '');
  const prefix = `drain-${randomUUID()}`;
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [join(repoRoot, 'apps/api/dist/main.js')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      LEDGER_STORE: 'postgres',
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      DB_POOL_MAX: '10',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET,
      RATE_LIMIT_MAX: '10000',
      RATE_LIMIT_WRITE_MAX: '10000',
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  await waitUntilReady(port, child, READY_WAIT_MS);
  const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 120_000 });
  const auth = { authorization: `Bearer ${sign({ sub: `drain-user-${randomUUID()}` })}` };
  const created = await request(
    port,
    'POST',
    '/api/wallets',
    { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    JSON.stringify({ currency: 'USD' }),
  );
  t.equal(created.status, 201, `wallet created: ${created.body}`);
  const walletId = (JSON.parse(created.body) as { data: { id: string } }).data.id;

  const held = await Promise.all(
    Array.from({ length: IN_FLIGHT_COUNT }, () =>
      heldCredit(
        port,
        { ...auth, 'idempotency-key': randomUUID() },
        JSON.stringify({ walletId, amount: AMOUNT_MINOR }),
      ),
    ),
  );
  // The onRequest hooks run right after `100 Continue`; let them pass for all.
  await sleep(200);

  const sigtermAt = Date.now();
  child.kill('SIGTERM');

  // During SHUTDOWN_DELAY_MS the listener is open: readiness 503, new work served normally.
  const readyStatuses: (number | 'refused')[] = [];
  let newRequest: Reply | undefined;
  while (Date.now() - sigtermAt < SHUTDOWN_TIMEOUT_MS) {
    const status = await request(port, 'GET', '/health/ready').then(
      (r) => r.status,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') return 'refused' as const;
        throw error;
      },
    );
    readyStatuses.push(status);
    if (status === 'refused') break;
    if (status === 503 && !newRequest)
      newRequest = await request(port, 'GET', '/api/wallets', auth).catch(() => undefined);
    await sleep(POLL_MS);
  }
  t.equal(readyStatuses.at(-1), 'refused', 'the listener closes after the delay');
  t.notOk(readyStatuses.includes(200), `readiness never 200 after SIGTERM: ${readyStatuses.join(',')}`);
  t.ok(readyStatuses.filter((s) => s === 503).length >= 2, 'readiness answered 503 during SHUTDOWN_DELAY_MS');
  t.ok(Date.now() - sigtermAt >= SHUTDOWN_DELAY_MS - POLL_MS, 'the listener stayed open for the delay');
  t.ok(newRequest, 'a request arriving during the delay was answered');
  t.equal(newRequest?.status, 200, 'new requests are served normally during the delay (lame duck)');
  t.match(newRequest?.headers['content-type'], /application\/json/);

  // The held requests were accepted before SIGTERM: their bodies arrive after the close.
  for (const { release } of held) release();
  const replies = await Promise.all(
    held.map(({ reply }) => reply.catch((error: Error): Reply => ({ status: 0, headers: {}, body: error.message }))),
  );
  expectAll200(t, replies, 'every in-flight credit completed normally');
  expectConnection(t, replies, 'close', 'their replies carry Connection: close');
  const results = replies
    .filter((r) => r.status === 200)
    .map((r) => JSON.parse(r.body) as { data: { transactionId: string; wallet: { balance: number } } });
  t.equal(new Set(results.map((r) => r.data.transactionId)).size, IN_FLIGHT_COUNT, 'each credit applied once');
  t.equal(
    Math.max(...results.map((r) => r.data.wallet.balance)),
    IN_FLIGHT_COUNT * AMOUNT_MINOR,
    'the wallet holds every credit',
  );

  const [code, signal] = await exited;
  const drainMs = Date.now() - sigtermAt;
  t.equal(signal, null, 'not killed');
  t.equal(code, 0, 'exit code 0');
  t.ok(drainMs < SHUTDOWN_TIMEOUT_MS, `exited in ${drainMs} ms < SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS}`);
  await t.rejects(request(port, 'GET', '/health/live'), { code: 'ECONNREFUSED' }, 'nothing listens any more');
  const logs = output.join('');
  t.notOk(logs.includes(JWT_SECRET), 'the JWT secret never reaches the logs');
  t.notOk(logs.includes(auth.authorization.slice(7)), 'nor a bearer token');
});
