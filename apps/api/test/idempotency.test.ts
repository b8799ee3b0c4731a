// Exactly once per Idempotency-Key (DESIGN.md §4.3) through the real app, PostgreSQL and Redis: byte-identical replays from Redis and from the database, 422 on reuse, 409 while in flight, per-user scope, and which outcomes are remembered.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { build, post, TEST_REDIS_URL, problemOf } from './helper.js';

async function balanceOf(app: Awaited<ReturnType<typeof build>>, sub: string, id: string): Promise<number> {
  const res = await app.app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: app.auth(sub) });
  return res.json().data.balance;
}

t.test(
  'same key + same request: original status and bytes, Idempotent-Replayed, one effect; from Redis and from the database',
  async (t) => {
    const harness = await build(t);
    const { app, auth, wallet, prefix } = harness;
    const redis = new Redis(TEST_REDIS_URL);
    t.teardown(() => redis.quit());
    const id = await wallet('alice');
    const headers = auth('alice', { 'idempotency-key': 'credit-1' });
    const payload = { walletId: id, amount: 100, metadata: { zeta: '1', alpha: '2', mid: '3' } };
    const first = await app.inject({ method: 'POST', url: '/api/wallets/credit', headers, payload });
    t.equal(first.statusCode, 200);
    t.notOk(first.headers['idempotent-replayed']);
    t.same(Object.keys(first.json().data.transaction.metadata), ['alpha', 'mid', 'zeta'], 'metadata keys sorted');

    const cachedRaw = await redis.get(`${prefix}:idem:alice:credit-1`);
    t.ok(cachedRaw, 'the reply is cached under <prefix>:idem:<user>:<key>');
    const fromRedis = await post(app, '/api/wallets/credit', headers, {
      metadata: { mid: '3', zeta: '1', alpha: '2' },
      amount: 100,
      walletId: id,
    });
    t.equal(fromRedis.statusCode, 200);
    t.equal(fromRedis.headers['idempotent-replayed'], 'true');
    t.equal(fromRedis.body, first.body, 'byte-identical from Redis (key order of the request does not matter)');

    await redis.del(`${prefix}:idem:alice:credit-1`);
    const fromDb = await app.inject({ method: 'POST', url: '/api/wallets/credit', headers, payload });
    t.equal(fromDb.statusCode, 200);
    t.equal(fromDb.headers['idempotent-replayed'], 'true');
    t.equal(fromDb.body, first.body, 'byte-identical from the database record');
    t.ok(await redis.get(`${prefix}:idem:alice:credit-1`), 'a database replay refills the fast path');
    t.equal(await balanceOf(harness, 'alice', id), 100, 'applied once');

    const metrics = (await app.inject({ url: '/metrics' })).body;
    t.match(metrics, /idempotency_requests_total\{result="hit"\} 1/);
    t.match(metrics, /idempotency_requests_total\{result="replayed_from_db"\} 1/);
  },
);

t.test('same key + different request → 422 idempotency_key_reused, nothing applied', async (t) => {
  const harness = await build(t);
  const { app, auth, wallet } = harness;
  const id = await wallet('alice', 'USD', 1000);
  const headers = auth('alice', { 'idempotency-key': 'k-1' });
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/wallets/debit', headers, payload: { walletId: id, amount: 100 } }))
      .statusCode,
    200,
  );
  const otherAmount = await post(app, '/api/wallets/debit', headers, { walletId: id, amount: 101 });
  t.equal(otherAmount.statusCode, 422);
  t.equal(problemOf(otherAmount).code, 'idempotency_key_reused');
  const otherRoute = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 100 });
  t.equal(problemOf(otherRoute).code, 'idempotency_key_reused');
  const otherMetadata = await post(app, '/api/wallets/debit', headers, {
    walletId: id,
    amount: 100,
    metadata: { a: 'b' },
  });
  t.equal(problemOf(otherMetadata).code, 'idempotency_key_reused');
  t.equal(await balanceOf(harness, 'alice', id), 900);
});

t.test('keys are scoped per user', async (t) => {
  const harness = await build(t);
  const { app, auth, wallet } = harness;
  const alice = await wallet('alice');
  const bob = await wallet('bob');
  const a = await post(app, '/api/wallets/credit', auth('alice', { 'idempotency-key': 'shared' }), {
    walletId: alice,
    amount: 5,
  });
  const b = await post(app, '/api/wallets/credit', auth('bob', { 'idempotency-key': 'shared' }), {
    walletId: bob,
    amount: 7,
  });
  t.equal(a.statusCode, 200);
  t.equal(b.statusCode, 200);
  t.notOk(b.headers['idempotent-replayed']);
  t.equal(await balanceOf(harness, 'bob', bob), 7);
  // "alice" + key "shared:x" and "alice:shared" + key "x" must not share a cache entry: the
  // second user sending alice's exact request would otherwise get alice's reply replayed.
  const original = await post(app, '/api/wallets/credit', auth('alice', { 'idempotency-key': 'shared:x' }), {
    walletId: alice,
    amount: 5,
  });
  t.equal(original.statusCode, 200);
  const tricky = await post(app, '/api/wallets/credit', auth('alice:shared', { 'idempotency-key': 'x' }), {
    walletId: alice,
    amount: 5,
  });
  t.equal(tricky.statusCode, 404, 'not a replay of alice’s reply');
  t.notOk(tricky.headers['idempotent-replayed']);
});

t.test(
  'remembered refusals replay with the original request id; unremembered ones can be retried with the same key',
  async (t) => {
    const harness = await build(t);
    const { app, auth, wallet } = harness;
    const id = await wallet('alice', 'USD', 50);
    const headers = auth('alice', { 'idempotency-key': 'overdraft' });
    const refused = await post(
      app,
      '/api/wallets/debit',
      { ...headers, 'x-request-id': 'original-req' },
      { walletId: id, amount: 999 },
    );
    t.equal(refused.statusCode, 409);
    t.equal(problemOf(refused).code, 'insufficient_funds');
    await post(app, '/api/wallets/credit', auth('alice', { 'idempotency-key': 'topup' }), {
      walletId: id,
      amount: 5000,
    });
    const replay = await post(
      app,
      '/api/wallets/debit',
      { ...headers, 'x-request-id': 'retry-req' },
      { walletId: id, amount: 999 },
    );
    t.equal(replay.statusCode, 409, 'the refusal is final for this key even though funds arrived');
    t.equal(replay.body, refused.body, 'byte-identical, original requestId included');
    t.equal(problemOf(replay).requestId, 'original-req');
    t.equal(replay.headers['idempotent-replayed'], 'true');

    // Not remembered: validation errors, 404 and 412 — the same key then works for the corrected request.
    const invalid = await post(app, '/api/wallets/debit', auth('alice', { 'idempotency-key': 'retry-me' }), {
      walletId: id,
      amount: '10',
    });
    t.equal(invalid.statusCode, 400);
    const stale = await post(
      app,
      '/api/wallets/debit',
      auth('alice', { 'idempotency-key': 'retry-me', 'if-match': '"0"' }),
      { walletId: id, amount: 10 },
    );
    t.equal(stale.statusCode, 412);
    const ok = await post(app, '/api/wallets/debit', auth('alice', { 'idempotency-key': 'retry-me' }), {
      walletId: id,
      amount: 10,
    });
    t.equal(ok.statusCode, 200);
    t.notOk(ok.headers['idempotent-replayed']);
    t.equal(await balanceOf(harness, 'alice', id), 5040);
  },
);

t.test('a running request holds the key: 409 idempotency_key_in_flight with Retry-After, not remembered', async (t) => {
  const harness = await build(t);
  const { app, auth, wallet, prefix } = harness;
  const redis = new Redis(TEST_REDIS_URL);
  t.teardown(() => redis.quit());
  const id = await wallet('alice');
  await redis.set(`${prefix}:idem-lock:alice:busy`, 'another-request', 'PX', 5000);
  const headers = auth('alice', { 'idempotency-key': 'busy' });
  const blocked = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 10 });
  t.equal(blocked.statusCode, 409);
  t.equal(problemOf(blocked).code, 'idempotency_key_in_flight');
  t.equal(blocked.headers['retry-after'], '1');
  const audit = await app.inject({ url: '/api/admin/audit', headers: auth('root', {}, { roles: ['admin'] }) });
  t.ok(
    audit
      .json()
      .data.some(
        (e: { outcome: string; walletId: string }) => e.outcome === 'idempotency_key_in_flight' && e.walletId === id,
      ),
    'the refused attempt is audited',
  );
  await redis.del(`${prefix}:idem-lock:alice:busy`);
  const later = await post(app, '/api/wallets/credit', headers, { walletId: id, amount: 10 });
  t.equal(later.statusCode, 200, 'the retry after the first finished is served');
  t.notOk(await redis.get(`${prefix}:idem-lock:alice:busy`), 'the marker is released after the reply');
});

t.test(
  '8 identical requests at once over HTTP: one effect; every answer is the stored 200 or 409 in flight',
  async (t) => {
    const harness = await build(t);
    const { app, auth, wallet } = harness;
    const id = await wallet('alice');
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const headers = { ...auth('alice', { 'idempotency-key': 'storm' }), 'content-type': 'application/json' };
    const body = JSON.stringify({ walletId: id, amount: 25 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await fetch(`${address}/api/wallets/credit`, { method: 'POST', headers, body });
        return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
      }),
    );
    const successes = answers.filter((a) => a.status === 200);
    const inFlight = answers.filter((a) => a.status === 409);
    t.equal(successes.length + inFlight.length, 8, `only 200 or 409: ${answers.map((a) => a.status).join(',')}`);
    t.ok(successes.length >= 1);
    t.equal(new Set(successes.map((a) => a.body)).size, 1, 'every 200 carries the same bytes');
    for (const answer of inFlight) {
      t.equal(JSON.parse(answer.body).code, 'idempotency_key_in_flight');
      t.equal(answer.retryAfter, '1');
    }
    t.equal(await balanceOf(harness, 'alice', id), 25, 'applied exactly once');
    const final = await fetch(`${address}/api/wallets/credit`, { method: 'POST', headers, body });
    t.equal(await final.text(), successes[0]!.body, 'a later retry gets the stored 200');
  },
);

t.test('wallet creation: key optional; with a key the 201 replays', async (t) => {
  const { app, auth } = await build(t);
  const headers = auth('alice', { 'idempotency-key': randomUUID() });
  const first = await app.inject({ method: 'POST', url: '/api/wallets', headers, payload: { currency: 'GBP' } });
  const second = await app.inject({ method: 'POST', url: '/api/wallets', headers, payload: { currency: 'GBP' } });
  t.equal(first.statusCode, 201);
  t.equal(second.statusCode, 201);
  t.equal(second.body, first.body);
  t.equal(second.headers['idempotent-replayed'], 'true');
  const noKey = await post(app, '/api/wallets', auth('alice'), { currency: 'GBP' });
  t.equal(noKey.statusCode, 409);
});
