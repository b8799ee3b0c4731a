// A reply lost after the commit (DESIGN.md §4.3: "a timeout or a crash after commit never double-applies"): the
// client reaches the API through a TCP proxy of the test's own that forwards the request, lets the server commit and
// answer, and destroys the client's side as soon as the first response bytes arrive, while it keeps reading the
// server's reply to know what the client missed. The client retries with the same key and gets exactly those bytes,
// with Idempotent-Replayed: true; the ledger holds one entry.
import { request } from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import t, { type Test } from 'tap';
import { build, freePort } from './helper.js';

type Harness = Awaited<ReturnType<typeof build>>;

/** Forwards TCP to `target`; while `dropReplies` is set it cuts the client off at the first reply byte. */
class ReplyDroppingProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  dropReplies = true;
  /** Every reply the proxy kept from a client, as the server sent it. */
  readonly dropped: Buffer[] = [];
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream);
      if (!this.dropReplies) {
        upstream.pipe(client);
        return;
      }
      const chunks: Buffer[] = [];
      upstream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        client.destroy(); // the reply never reaches the client
      });
      upstream.on('end', () => this.dropped.push(Buffer.concat(chunks)));
      client.on('close', () => setTimeout(() => upstream.end(), 1000)); // the server sees a client that left
    });
  }

  async listen(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One POST on its own connection (no agent reuse, no retry of its own). */
function post(port: number, path: string, headers: Record<string, string>, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The body of a raw HTTP/1.1 response the proxy captured (the API answers with Content-Length). */
function bodyOf(raw: Buffer): { status: number; body: string } {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
  const bodyBytes = raw.subarray(Buffer.byteLength(text.slice(0, split + 4)));
  return { status: Number(head.split(' ')[1]), body: bodyBytes.subarray(0, length).toString('utf8') };
}

async function lostThenRetried(
  t: Test,
  harness: Harness,
  path: string,
  payload: object,
  key: string,
): Promise<{ original: string; retried: Reply }> {
  const address = new URL(await harness.app.listen({ port: 0, host: '127.0.0.1' }));
  const proxy = new ReplyDroppingProxy({ host: '127.0.0.1', port: Number(address.port) });
  await proxy.listen();
  t.teardown(() => proxy.close());
  const headers = harness.auth('alice', { 'idempotency-key': key });
  const body = JSON.stringify(payload);
  await t.rejects(post(proxy.port, path, headers, body), 'the client loses the reply (connection reset)');
  const deadline = Date.now() + 5000;
  while (proxy.dropped.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const original = bodyOf(proxy.dropped[0]!);
  t.equal(original.status, 200, 'the server had committed and answered 200');
  proxy.dropReplies = false;
  const retried = await post(proxy.port, path, headers, body);
  return { original: original.body, retried };
}

t.test('credit: reply dropped after the commit; the same-key retry replays it byte for byte, one entry', async (t) => {
  const harness = await build(t);
  const id = await harness.wallet('alice');
  const { original, retried } = await lostThenRetried(
    t,
    harness,
    '/api/wallets/credit',
    { walletId: id, amount: 700 },
    'lost-credit',
  );
  t.equal(retried.status, 200);
  t.equal(retried.headers['idempotent-replayed'], 'true', 'Idempotent-Replayed: true');
  t.equal(retried.body, original, 'byte-identical to the reply the client never saw');
  // Another API process without the Redis fast path answers the same retry from the database record alone.
  const otherPod = await build(t, { schema: harness.schema, redisUrl: `redis://127.0.0.1:${await freePort()}` });
  const fromDb = await otherPod.app.inject({
    method: 'POST',
    url: '/api/wallets/credit',
    headers: harness.auth('alice', { 'idempotency-key': 'lost-credit' }),
    payload: { walletId: id, amount: 700 },
  });
  t.equal(fromDb.headers['idempotent-replayed'], 'true');
  t.equal(fromDb.body, original, 'byte-identical from the database on a process without that cache');
  const history = await harness.app.inject({ url: `/api/transactions?walletId=${id}`, headers: harness.auth('alice') });
  t.same(
    history.json().data.map((e: { id: string; amount: number }) => [e.id, e.amount]),
    [[JSON.parse(original).data.transactionId, 700]],
    'exactly one ledger entry, the original one',
  );
  const wallet = await harness.app.inject({ url: `/api/wallets/${id}`, headers: harness.auth('alice') });
  t.equal(wallet.json().data.balance, 700);
});

t.test('transfer with Redis down: the lost reply is replayed from the database; money moved once', async (t) => {
  const harness = await build(t, { redisUrl: `redis://127.0.0.1:${await freePort()}` });
  const from = await harness.wallet('alice', 'USD', 1000);
  const to = await harness.wallet('bob', 'USD');
  const { original, retried } = await lostThenRetried(
    t,
    harness,
    '/api/transfers',
    { fromWalletId: from, toWalletId: to, amount: 300 },
    'lost-transfer',
  );
  t.equal(retried.status, 200);
  t.equal(retried.headers['idempotent-replayed'], 'true');
  t.equal(retried.body, original, 'byte-identical, from the database record');
  const a = await harness.app.inject({ url: `/api/wallets/${from}`, headers: harness.auth('alice') });
  const b = await harness.app.inject({ url: `/api/wallets/${to}`, headers: harness.auth('bob') });
  t.equal(a.json().data.balance, 700, 'debited once');
  t.equal(b.json().data.balance, 300, 'credited once');
  const history = await harness.app.inject({ url: `/api/transactions?walletId=${to}`, headers: harness.auth('bob') });
  t.equal(history.json().data.length, 1, 'one transfer_in entry');
});
