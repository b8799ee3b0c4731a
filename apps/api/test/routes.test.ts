// Every row of DESIGN.md §3 through app.inject against real PostgreSQL and Redis: the happy path and its documented refusals.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, post, problemOf } from './helper.js';

const key = () => ({ 'idempotency-key': randomUUID() });

t.test('wallets: create 201, one per currency (409 wallet_exists), list, read with ETag', async (t) => {
  const { app, auth } = await build(t);
  const created = await post(app, '/api/wallets', auth('alice'), { currency: 'EUR' });
  t.equal(created.statusCode, 201);
  const wallet = created.json().data;
  t.match(wallet, { userId: 'alice', currency: 'EUR', balance: 0, version: 0 });
  t.match(wallet.id, /^[0-9a-f-]{36}$/);

  const again = await post(app, '/api/wallets', auth('alice'), { currency: 'EUR' });
  t.equal(again.statusCode, 409);
  t.equal(again.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(problemOf(again), {
    code: 'wallet_exists',
    status: 409,
    type: 'https://wallet.example/problems/wallet_exists',
  });

  await app.inject({ method: 'POST', url: '/api/wallets', headers: auth('alice'), payload: { currency: 'USD' } });
  await app.inject({ method: 'POST', url: '/api/wallets', headers: auth('bob'), payload: { currency: 'USD' } });
  const list = await app.inject({ method: 'GET', url: '/api/wallets', headers: auth('alice') });
  t.equal(list.statusCode, 200);
  t.same(
    list
      .json()
      .data.map((w: { currency: string }) => w.currency)
      .sort(),
    ['EUR', 'USD'],
  );
  t.equal(list.json().nextCursor, null);

  const read = await app.inject({ method: 'GET', url: `/api/wallets/${wallet.id}`, headers: auth('alice') });
  t.equal(read.statusCode, 200);
  t.equal(read.headers.etag, '"0"');
  t.same(read.json().data, wallet);

  const foreign = await app.inject({ method: 'GET', url: `/api/wallets/${wallet.id}`, headers: auth('bob') });
  t.equal(foreign.statusCode, 404, 'another user never learns that the wallet exists');
  t.equal(problemOf(foreign).code, 'wallet_not_found');
  const missing = await app.inject({ method: 'GET', url: `/api/wallets/${randomUUID()}`, headers: auth('alice') });
  t.equal(problemOf(missing).code, 'wallet_not_found');
  t.equal(
    foreign.body.replace(/"requestId":"[^"]+"/, ''),
    missing.body.replace(/"requestId":"[^"]+"/, ''),
    'foreign and missing look alike',
  );
});

t.test(
  'credit and debit: 200 {transactionId, wallet, transaction}; 409 insufficient_funds; 404 for other users',
  async (t) => {
    const { app, auth, wallet } = await build(t);
    const id = await wallet('alice');
    const credit = await post(app, '/api/wallets/credit', auth('alice', key()), {
      walletId: id,
      amount: 1000,
      metadata: { ref: 'order-456' },
    });
    t.equal(credit.statusCode, 200);
    const body = credit.json().data;
    t.equal(body.transactionId, body.transaction.id);
    t.match(body.wallet, { id, balance: 1000, version: 1 });
    t.match(body.transaction, {
      walletId: id,
      type: 'credit',
      amount: 1000,
      balanceBefore: 0,
      balanceAfter: 1000,
      status: 'completed',
      metadata: { ref: 'order-456' },
    });
    t.notOk('transferId' in body.transaction);

    const debit = await post(app, '/api/wallets/debit', auth('alice', key()), { walletId: id, amount: 300 });
    t.equal(debit.statusCode, 200);
    t.match(debit.json().data.transaction, {
      type: 'debit',
      amount: 300,
      balanceBefore: 1000,
      balanceAfter: 700,
      metadata: {},
    });

    const overdraw = await post(app, '/api/wallets/debit', auth('alice', key()), { walletId: id, amount: 701 });
    t.equal(overdraw.statusCode, 409);
    t.match(problemOf(overdraw), { code: 'insufficient_funds', title: 'Insufficient funds' });

    const stranger = await post(app, '/api/wallets/debit', auth('mallory', key()), { walletId: id, amount: 1 });
    t.equal(stranger.statusCode, 404);
    t.equal(problemOf(stranger).code, 'wallet_not_found');

    const read = await app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: auth('alice') });
    t.equal(read.json().data.balance, 700);
  },
);

t.test(
  'transfers: 200 {transferId, debit, credit}; cross-user credit allowed; currency_mismatch, same_wallet, not_found',
  async (t) => {
    const { app, auth, wallet } = await build(t);
    const from = await wallet('alice', 'USD', 1000);
    const to = await wallet('bob', 'USD');
    const euros = await wallet('bob', 'EUR');
    const transfer = (payload: Record<string, unknown>) => post(app, '/api/transfers', auth('alice', key()), payload);
    const ok = await transfer({ fromWalletId: from, toWalletId: to, amount: 250 });
    t.equal(ok.statusCode, 200);
    const data = ok.json().data;
    t.match(data.debit, {
      walletId: from,
      type: 'transfer_out',
      amount: 250,
      balanceAfter: 750,
      transferId: data.transferId,
    });
    t.match(data.credit, {
      walletId: to,
      type: 'transfer_in',
      amount: 250,
      balanceAfter: 250,
      transferId: data.transferId,
    });

    const mismatch = await transfer({ fromWalletId: from, toWalletId: euros, amount: 1 });
    t.equal(mismatch.statusCode, 422);
    t.equal(problemOf(mismatch).code, 'currency_mismatch');
    const same = await transfer({ fromWalletId: from, toWalletId: from, amount: 1 });
    t.equal(same.statusCode, 422);
    t.equal(problemOf(same).code, 'same_wallet');
    const notMine = await transfer({ fromWalletId: to, toWalletId: from, amount: 1 });
    t.equal(problemOf(notMine).code, 'wallet_not_found');
    const nowhere = await transfer({ fromWalletId: from, toWalletId: randomUUID(), amount: 1 });
    t.equal(problemOf(nowhere).code, 'wallet_not_found');
    const broke = await transfer({ fromWalletId: from, toWalletId: to, amount: 751 });
    t.equal(problemOf(broke).code, 'insufficient_funds');

    const bob = await app.inject({ method: 'GET', url: `/api/wallets/${to}`, headers: auth('bob') });
    t.equal(bob.json().data.balance, 250);
    const alice = await app.inject({ method: 'GET', url: `/api/wallets/${from}`, headers: auth('alice') });
    t.equal(alice.json().data.balance, 750);
  },
);

t.test('balance_limit_exceeded: a balance never passes Number.MAX_SAFE_INTEGER', async (t) => {
  const { app, auth, wallet } = await build(t, { env: { MAX_AMOUNT: String(Number.MAX_SAFE_INTEGER) } });
  const id = await wallet('alice', 'USD', Number.MAX_SAFE_INTEGER - 5);
  const over = await post(app, '/api/wallets/credit', auth('alice', key()), { walletId: id, amount: 6 });
  t.equal(over.statusCode, 422);
  t.equal(problemOf(over).code, 'balance_limit_exceeded');
  const exact = await post(app, '/api/wallets/credit', auth('alice', key()), { walletId: id, amount: 5 });
  t.equal(exact.json().data.wallet.balance, Number.MAX_SAFE_INTEGER);
});

t.test('If-Match: client compare-and-swap, 412 version_mismatch, malformed 400', async (t) => {
  const { app, auth, wallet } = await build(t);
  const id = await wallet('alice', 'USD', 500);
  const other = await wallet('bob', 'USD');
  const read = await app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: auth('alice') });
  const etag = read.headers.etag as string;
  t.equal(etag, '"1"');

  const stale = await post(app, '/api/wallets/debit', auth('alice', { ...key(), 'if-match': '"0"' }), {
    walletId: id,
    amount: 1,
  });
  t.equal(stale.statusCode, 412);
  t.equal(problemOf(stale).code, 'version_mismatch');
  const staleTransfer = await post(app, '/api/transfers', auth('alice', { ...key(), 'if-match': '"7"' }), {
    fromWalletId: id,
    toWalletId: other,
    amount: 1,
  });
  t.equal(staleTransfer.statusCode, 412);

  const fresh = await post(app, '/api/wallets/debit', auth('alice', { ...key(), 'if-match': etag }), {
    walletId: id,
    amount: 100,
  });
  t.equal(fresh.statusCode, 200);
  const reused = await post(app, '/api/wallets/credit', auth('alice', { ...key(), 'if-match': etag }), {
    walletId: id,
    amount: 100,
  });
  t.equal(reused.statusCode, 412, 'the ETag is spent once the wallet moved');
  const transfer = await post(app, '/api/transfers', auth('alice', { ...key(), 'if-match': '"2"' }), {
    fromWalletId: id,
    toWalletId: other,
    amount: 100,
  });
  t.equal(transfer.statusCode, 200);

  for (const bad of ['1', 'W/"2"', '*', '"-1"', '"01"', '"abc"']) {
    const res = await post(app, '/api/wallets/credit', auth('alice', { ...key(), 'if-match': bad }), {
      walletId: id,
      amount: 1,
    });
    t.equal(res.statusCode, 400, `If-Match ${bad}`);
    t.equal(problemOf(res).code, 'validation_failed');
  }
  const after = await app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: auth('alice') });
  t.match(after.json().data, { balance: 300, version: 3 });
});

t.test('transactions: newest first, pages with opaque cursors, forged cursors refused, other users 404', async (t) => {
  const { app, auth, wallet } = await build(t);
  const id = await wallet('alice');
  for (let i = 1; i <= 5; i++) {
    await post(app, '/api/wallets/credit', auth('alice', key()), { walletId: id, amount: i });
  }
  const first = await app.inject({
    method: 'GET',
    url: `/api/transactions?walletId=${id}&limit=2`,
    headers: auth('alice'),
  });
  t.equal(first.statusCode, 200);
  t.same(
    first.json().data.map((e: { amount: number }) => e.amount),
    [5, 4],
  );
  const cursor = first.json().nextCursor as string;
  t.type(cursor, 'string');
  const second = await app.inject({
    method: 'GET',
    url: `/api/transactions?walletId=${id}&limit=2&cursor=${encodeURIComponent(cursor)}`,
    headers: auth('alice'),
  });
  t.same(
    second.json().data.map((e: { amount: number }) => e.amount),
    [3, 2],
  );
  const third = await app.inject({
    method: 'GET',
    url: `/api/transactions?walletId=${id}&limit=2&cursor=${encodeURIComponent(second.json().nextCursor)}`,
    headers: auth('alice'),
  });
  t.same(
    third.json().data.map((e: { amount: number }) => e.amount),
    [1],
  );
  t.equal(third.json().nextCursor, null);

  const all = await app.inject({ method: 'GET', url: `/api/transactions?walletId=${id}`, headers: auth('alice') });
  t.equal(all.json().data.length, 5, 'default limit 20 covers all');

  const [payload, signature] = cursor.split('.');
  const forged = `${Buffer.from(JSON.stringify(['alice', id, 99])).toString('base64url')}.${signature}`;
  for (const bad of [forged, `${payload}.AAAA`, 'garbage', `${payload}`]) {
    const res = await app.inject({
      method: 'GET',
      url: `/api/transactions?walletId=${id}&cursor=${encodeURIComponent(bad)}`,
      headers: auth('alice'),
    });
    t.equal(res.statusCode, 400, `cursor ${bad.slice(0, 20)}`);
    t.equal(problemOf(res).code, 'validation_failed');
  }
  const otherWallet = await wallet('alice', 'EUR');
  const wrongWallet = await app.inject({
    method: 'GET',
    url: `/api/transactions?walletId=${otherWallet}&cursor=${encodeURIComponent(cursor)}`,
    headers: auth('alice'),
  });
  t.equal(wrongWallet.statusCode, 400, 'a cursor is bound to its wallet');
  for (const limit of ['0', '101', 'abc', '1.5']) {
    const res = await app.inject({
      method: 'GET',
      url: `/api/transactions?walletId=${id}&limit=${limit}`,
      headers: auth('alice'),
    });
    t.equal(res.statusCode, 400, `limit=${limit}`);
  }
  const stranger = await app.inject({ method: 'GET', url: `/api/transactions?walletId=${id}`, headers: auth('bob') });
  t.equal(stranger.statusCode, 404);
  const noWallet = await app.inject({ method: 'GET', url: '/api/transactions', headers: auth('alice') });
  t.equal(noWallet.statusCode, 400);
});

t.test('admin audit: 401 anonymous, 403 without the role, paginated trail with refusals for admins', async (t) => {
  const { app, auth, wallet } = await build(t);
  const id = await wallet('alice', 'USD', 100);
  await post(app, '/api/wallets/debit', auth('alice', key()), { walletId: id, amount: 1000 });
  await post(app, '/api/wallets/debit', auth('alice'), { walletId: id, amount: 1 });
  await post(app, '/api/wallets/debit', auth('alice', key()), { walletId: id, amount: '1' });

  t.equal((await app.inject({ method: 'GET', url: '/api/admin/audit' })).statusCode, 401);
  const forbidden = await app.inject({ method: 'GET', url: '/api/admin/audit', headers: auth('alice') });
  t.equal(forbidden.statusCode, 403);
  t.equal(problemOf(forbidden).code, 'forbidden');

  const admin = auth('root', {}, { roles: ['admin'] });
  const page = await app.inject({ method: 'GET', url: '/api/admin/audit?limit=100', headers: admin });
  t.equal(page.statusCode, 200);
  const outcomes = page.json().data.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
  for (const expected of [
    'wallet.debit:insufficient_funds',
    'wallet.debit:idempotency_key_required',
    'wallet.debit:validation_failed',
    'wallet.credit:ok',
    'wallet.create:ok',
  ]) {
    t.ok(
      outcomes.some((o: string) => o.startsWith(expected.split(':')[0]!) && o.endsWith(expected.split(':')[1]!)),
      `audit has ${expected} (${outcomes.join(', ')})`,
    );
  }
  const small = await app.inject({ method: 'GET', url: '/api/admin/audit?limit=2', headers: admin });
  t.equal(small.json().data.length, 2);
  const next = await app.inject({
    method: 'GET',
    url: `/api/admin/audit?limit=2&cursor=${small.json().nextCursor}`,
    headers: admin,
  });
  t.equal(next.statusCode, 200);
  const ids = [...small.json().data, ...next.json().data].map((e: { id: string }) => e.id);
  t.equal(new Set(ids).size, ids.length, 'pages do not overlap');
  const bad = await app.inject({ method: 'GET', url: '/api/admin/audit?cursor=bm9wZQ', headers: admin });
  t.equal(bad.statusCode, 400);
});

t.test('operations: live, ready, metrics, docs and openapi.json', async (t) => {
  const { app } = await build(t);
  const live = await app.inject({ method: 'GET', url: '/health/live' });
  t.same(live.json(), { status: 'ok' });
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ok', checks: { database: 'up', redis: 'up' } });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.body, /http_request_duration_seconds_bucket\{.*route="\/health\/ready".*status_code="200"/);
  t.match(metrics.body, /ledger_operations_total|# HELP ledger_operations_total/);
  const docs = await app.inject({ method: 'GET', url: '/docs' });
  t.ok(docs.statusCode === 200 || docs.statusCode === 302, `docs ${docs.statusCode}`);
  const spec = await app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(spec.statusCode, 200);
  const openapi = spec.json();
  t.equal(openapi.openapi, '3.1.0');
  t.match(openapi.info.description, /86400 seconds/);
  t.match(openapi.info.description, /scoped per user/);
  for (const path of [
    '/api/wallets',
    '/api/wallets/{walletId}',
    '/api/wallets/credit',
    '/api/wallets/debit',
    '/api/transfers',
    '/api/transactions',
    '/api/admin/audit',
    '/health/ready',
    '/metrics',
  ]) {
    t.ok(openapi.paths[path], `documents ${path}`);
  }
  t.ok(openapi.paths['/api/wallets/debit'].post.responses['409'], 'problem responses are documented');
  const unknown = await app.inject({ method: 'GET', url: '/nope' });
  t.equal(unknown.statusCode, 404);
  t.equal(problemOf(unknown).code, 'not_found');
});

t.test('request ids: a sane x-request-id is echoed and used in problems; a bad one is replaced', async (t) => {
  const { app } = await build(t);
  const echoed = await app.inject({ method: 'GET', url: '/api/wallets', headers: { 'x-request-id': 'req-123.abc' } });
  t.equal(echoed.headers['x-request-id'], 'req-123.abc');
  t.equal(problemOf(echoed).requestId, 'req-123.abc');
  const replaced = await app.inject({
    method: 'GET',
    url: '/health/live',
    headers: { 'x-request-id': 'bad id with spaces' },
  });
  t.match(replaced.headers['x-request-id'], /^[0-9a-f-]{36}$/);
});
