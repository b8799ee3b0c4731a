// Graceful drain of the BUILT API (DESIGN.md §4.6): apps/api/dist/main.js runs as a child process; 50 credits are held in flight (headers accepted, body withheld), SIGTERM arrives, late requests get 503, the held requests finish with 200 and the process exits 0 within SHUTDOWN_TIMEOUT_MS.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { PostgresStore } from '@wallet/store-postgres';
import {
  TEST_DATABASE_URL,
  TEST_JWT_SECRET,
  TEST_REDIS_URL,
  dropSchema,
  freePort,
  mintToken,
  newSchemaName,
} from './helper.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const IN_FLIGHT = 50;
const AMOUNT = 10;
const SHUTDOWN_DELAY_MS = 500;
const SHUTDOWN_TIMEOUT_MS = 8000;
const START_WAIT_MS = 20_000;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function collect(req: http.ClientRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 5000 });
  const reply = collect(req);
  req.end(body);
  return reply;
}

/** A credit the server has routed (it sent 100 Continue) whose body is still withheld: surely in flight. */
async function heldCredit(
  port: number,
  headers: Record<string, string>,
  body: string,
): Promise<{ release: () => void; reply: Promise<Reply> }> {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/wallets/credit',
    agent: false,
    headers: {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      expect: '100-continue',
    },
  });
  const reply = collect(req);
  reply.catch(() => undefined);
  req.flushHeaders();
  await once(req, 'continue');
  return { release: () => req.end(body), reply };
}

t.test('SIGTERM with 50 requests in flight: none cut off, late ones 503, exit 0 in time', async (t) => {
  const schema = newSchemaName();
  t.teardown(() => dropSchema(schema));
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      DB_POOL_MAX: '10',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: `t${randomUUID()}`,
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_WRITE_MAX: '1000',
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;

  const deadline = Date.now() + START_WAIT_MS;
  while (
    (await send(port, 'GET', '/health/ready').then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`api did not start: ${stderr}`);
    await sleep(100);
  }
  const authorization = `Bearer ${mintToken('drainer')}`;
  const created = await send(
    port,
    'POST',
    '/api/wallets',
    { authorization, 'content-type': 'application/json' },
    '{"currency":"USD"}',
  );
  t.equal(created.status, 201);
  const walletId = JSON.parse(created.body).data.id as string;

  const held = await Promise.all(
    Array.from({ length: IN_FLIGHT }, () =>
      heldCredit(
        port,
        { authorization, 'idempotency-key': randomUUID() },
        JSON.stringify({ walletId, amount: AMOUNT }),
      ),
    ),
  );
  const signalledAt = Date.now();
  child.kill('SIGTERM');
  await sleep(100);

  const ready = await send(port, 'GET', '/health/ready');
  t.equal(ready.status, 503, 'readiness is off during the drain');
  t.equal(JSON.parse(ready.body).status, 'draining');
  const late = await send(port, 'GET', '/api/wallets', { authorization });
  t.equal(late.status, 503, 'a late request gets 503');
  t.equal(JSON.parse(late.body).code, 'service_unavailable');
  t.equal(late.headers.connection, 'close');
  t.ok(late.headers['retry-after']);

  await sleep(SHUTDOWN_DELAY_MS);
  const refused = await send(port, 'GET', '/health/live').then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code,
  );
  t.equal(refused, 'ECONNREFUSED', 'after SHUTDOWN_DELAY_MS the listener is closed');

  for (const request of held) request.release();
  const replies = await Promise.all(held.map((request) => request.reply));
  t.equal(
    replies.filter((reply) => reply.status === 200).length,
    IN_FLIGHT,
    `every in-flight request finished: ${[...new Set(replies.map((r) => r.status))].join(',')}`,
  );

  const [code, signal] = await exited;
  t.equal(code, 0, 'exit 0');
  t.equal(signal, null);
  t.ok(Date.now() - signalledAt < SHUTDOWN_TIMEOUT_MS, `drained in ${Date.now() - signalledAt} ms`);
  t.notMatch(stderr, /killed by timeout/);

  const store = new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolMax: 1 });
  t.teardown(() => store.close());
  const wallet = await store.findWallet(walletId);
  t.equal(wallet?.balance, IN_FLIGHT * AMOUNT, 'every in-flight credit was committed exactly once');
});
