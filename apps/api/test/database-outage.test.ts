// Database lost at run time (DESIGN.md §4.7): the app reaches PostgreSQL through a TCP proxy the test cuts and restores; while cut, requests get 503 service_unavailable with Retry-After and readiness is 503; when restored, the pool reconnects by itself.
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { build, post, TEST_DATABASE_URL, problemOf } from './helper.js';

/** A cuttable TCP path to PostgreSQL: `cut()` drops every connection and the listener, `restore()` listens again on the same port. */
class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | null = null;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async restore(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target.port, this.#target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

t.test('database cut: 503 + readiness down; restored: automatic recovery, nothing applied twice', async (t) => {
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  await proxy.restore();
  t.teardown(() => proxy.cut());
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(proxy.port);
  const { app, auth, wallet } = await build(t, { env: { DATABASE_URL: viaProxy.toString() } });
  const id = await wallet('alice', 'USD', 100);

  await proxy.cut();
  const started = Date.now();
  const headers = auth('alice', { 'idempotency-key': 'during-db-outage' });
  const credit = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 5 });
  t.equal(credit.statusCode, 503);
  t.equal(problemOf(credit).code, 'service_unavailable');
  t.equal(credit.headers['retry-after'], '1');
  t.notMatch(credit.body, /ECONN|pg|postgres|127\.0\.0\.1/i, 'no driver text');
  t.ok(Date.now() - started < 6000, `bounded (${Date.now() - started} ms)`);
  const read = await app.inject({ url: `/api/wallets/${id}`, headers: auth('alice') });
  t.equal(read.statusCode, 503);
  const ready = await app.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 503);
  t.same(ready.json(), { status: 'unavailable', checks: { database: 'down', redis: 'up' } });
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'liveness stays up: restarting would not help');

  await proxy.restore();
  const deadline = Date.now() + 10_000;
  while ((await app.inject({ url: '/health/ready' })).statusCode !== 200 && Date.now() < deadline) await sleep(100);
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'readiness recovers by itself');
  const retry = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 5 });
  t.equal(retry.statusCode, 200, 'the same key retried after the outage is applied');
  const again = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 5 });
  t.equal(again.headers['idempotent-replayed'], 'true');
  const after = await app.inject({ url: `/api/wallets/${id}`, headers: auth('alice') });
  t.equal(after.json().data.balance, 105, 'applied once');
});
