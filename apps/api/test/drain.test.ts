// Lame-duck drain of the BUILT API (DESIGN.md §4.6): apps/api/dist/main.js runs as a child process on real sockets. With SHUTDOWN_DELAY_MS=0, 60 credits on fresh connections race SIGTERM: none is reset, each is 200 or a refused connection; with a delay, requests during it are served normally while readiness is 503, requests already received when the listener closes finish with Connection: close, and the process exits 0 within SHUTDOWN_TIMEOUT_MS.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { t, type Test } from 'tap';
import { PostgresStore } from '@wallet/store-postgres';
import { createWallet, heldCredits, startBuiltApi } from './built-api.js';
import { TEST_DATABASE_URL, mintToken } from './helper.js';
import { collect, expectAll200, expectConnection, send, type Reply } from './http-client.js';

const AMOUNT = 10;
const SHUTDOWN_TIMEOUT_MS = 8000;
const START_WAIT_MS = 20_000;

function startApi(t: Test, shutdownDelayMs: number) {
  const env = { SHUTDOWN_DELAY_MS: String(shutdownDelayMs), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) };
  return startBuiltApi(t, env, START_WAIT_MS);
}

async function balanceOf(t: Test, schema: string, walletId: string): Promise<number | undefined> {
  const store = new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolMax: 1 });
  t.teardown(() => store.close());
  return (await store.findWallet(walletId))?.balance;
}

function credit(port: number, authorization: string, walletId: string, agent: http.Agent | false = false) {
  return send(
    port,
    'POST',
    '/api/wallets/credit',
    { authorization, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    JSON.stringify({ walletId, amount: AMOUNT }),
    agent,
  );
}

/** A TCP connection the server has accepted: its request bytes, once written, have reached the server. */
async function connected(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

t.test('SHUTDOWN_DELAY_MS=0: 60 credits written as SIGTERM arrives are never reset', async (t) => {
  const api = await startApi(t, 0);
  const authorization = `Bearer ${mintToken('racer')}`;
  const walletId = await createWallet(api.port, authorization);

  // Connections first, so that every request below really reaches a server that has accepted
  // its connection; then 60 credits are written and SIGTERM is sent in the same tick.
  const sockets = await Promise.all(Array.from({ length: 60 }, () => connected(api.port)));
  const body = JSON.stringify({ walletId, amount: AMOUNT });
  const outcomes = sockets.map((socket) => {
    const req = http.request({
      host: '127.0.0.1',
      port: api.port,
      method: 'POST',
      path: '/api/wallets/credit',
      // No agent: the request goes out on the given, already accepted connection.
      createConnection: () => socket,
      headers: { authorization, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    });
    const reply = collect(req).then(
      (r) => ({ outcome: String(r.status), reply: r as Reply | undefined }),
      (error: NodeJS.ErrnoException) => ({ outcome: `${error.code}:${error.message}`, reply: undefined }),
    );
    req.end(body);
    return reply;
  });
  const signalledAt = Date.now();
  api.kill('SIGTERM');
  const results = await Promise.all(outcomes);

  const counts: Record<string, number> = {};
  for (const { outcome } of results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  t.same(counts, { 200: 60 }, `every credit that reached the server is answered 200: ${JSON.stringify(counts)}`);
  t.ok(
    results.every(({ reply }) => reply?.headers.connection === 'close'),
    'their replies carry Connection: close',
  );
  const late = await send(api.port, 'GET', '/health/live').then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code,
  );
  // Served while the backlog settles, or refused once the listener is closed; never reset.
  t.ok(late === 'answered' || late === 'ECONNREFUSED', `a later connection: ${late}`);

  const [code, signal] = await api.exited;
  t.equal(code, 0, 'exit 0');
  t.equal(signal, null);
  t.ok(Date.now() - signalledAt < SHUTDOWN_TIMEOUT_MS, `drained in ${Date.now() - signalledAt} ms`);
  t.notMatch(api.stderr(), /killed by timeout/);
  t.equal(await balanceOf(t, api.schema, walletId), 60 * AMOUNT, 'each credit is booked once');
});

t.test('SHUTDOWN_DELAY_MS=0: fresh connections racing SIGTERM get 200 or ECONNREFUSED, never a reset', async (t) => {
  const api = await startApi(t, 0);
  const authorization = `Bearer ${mintToken('racer')}`;
  const walletId = await createWallet(api.port, authorization);
  const outcomes = Array.from({ length: 60 }, () =>
    credit(api.port, authorization, walletId).then(
      (reply) => String(reply.status),
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    ),
  );
  await sleep(50);
  api.kill('SIGTERM');
  const results = await Promise.all(outcomes);
  const counts: Record<string, number> = {};
  for (const outcome of results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  t.same(
    Object.keys(counts).filter((outcome) => outcome !== '200' && outcome !== 'ECONNREFUSED'),
    [],
    `200 or a refused connection: ${JSON.stringify(counts)}`,
  );
  const [code] = await api.exited;
  t.equal(code, 0, 'exit 0');
  t.equal(await balanceOf(t, api.schema, walletId), (counts['200'] ?? 0) * AMOUNT, 'each 200 credit is booked once');
});

t.test('with a delay: served normally while readiness is 503, then received requests finish', async (t) => {
  const delayMs = 1500;
  const api = await startApi(t, delayMs);
  const authorization = `Bearer ${mintToken('drainer')}`;
  const walletId = await createWallet(api.port, authorization);
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.teardown(() => keepAlive.destroy());
  t.equal((await credit(api.port, authorization, walletId, keepAlive)).status, 200, 'kept-alive before SIGTERM');

  const signalledAt = Date.now();
  api.kill('SIGTERM');
  await sleep(150);
  const ready = await send(api.port, 'GET', '/health/ready');
  t.equal(ready.status, 503, 'readiness is off at once');
  t.equal(JSON.parse(ready.body).status, 'draining');

  // During the delay: fresh and kept-alive connections are served normally.
  const during: Reply[] = [];
  const keptAlive: Reply[] = [];
  while (Date.now() - signalledAt < delayMs - 400) {
    during.push(await credit(api.port, authorization, walletId));
    keptAlive.push(await credit(api.port, authorization, walletId, keepAlive));
    keptAlive.push(await send(api.port, 'GET', `/api/wallets/${walletId}`, { authorization }, undefined, keepAlive));
  }
  during.push(...keptAlive);
  t.ok(during.length >= 6, `${during.length} requests during the delay`);
  expectAll200(t, during, 'every request during the delay is served');
  expectConnection(t, keptAlive, 'keep-alive', 'and a kept-alive connection is not pushed off');

  // Held just before the stop point: received, so answered after it, with Connection: close.
  const held = await heldCredits(api.port, authorization, walletId, AMOUNT, 10);
  await sleep(Math.max(0, signalledAt + delayMs + 700 - Date.now()));
  const refused = await send(api.port, 'GET', '/health/live').then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code,
  );
  t.equal(refused, 'ECONNREFUSED', 'after SHUTDOWN_DELAY_MS the listener is closed');
  for (const request of held) request.release();
  const replies = await Promise.all(held.map((request) => request.reply));
  expectAll200(t, replies, 'every request received before the stop point is answered 200');
  expectConnection(t, replies, 'close', 'with Connection: close');

  const [code, signal] = await api.exited;
  t.equal(code, 0, 'exit 0');
  t.equal(signal, null);
  t.ok(Date.now() - signalledAt < SHUTDOWN_TIMEOUT_MS, `drained in ${Date.now() - signalledAt} ms`);
  const served = 1 + during.filter((r) => r.body.includes('transactionId')).length + replies.length;
  t.equal(await balanceOf(t, api.schema, walletId), served * AMOUNT, 'every served credit booked once');
});
