// Holds over HTTP (DESIGN.md §3 Holds, §4.3, §4.9): every route's success and documented refusal, idempotent replay
// and key reuse, bad input that changes nothing, ownership (another user's hold is 404), captures into another wallet,
// and a capture race over real sockets whose books are checked exactly. Real PostgreSQL and Redis, no mocks.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { build, problemOf } from './helper.js';
import { MONEY_TEST_ENV, entrySum, moneyClient, type Json } from './money-client.js';

type Harness = Awaited<ReturnType<typeof build>>;

const env = MONEY_TEST_ENV;

function client(harness: Harness) {
  const { app, auth } = harness;
  const base = moneyClient(harness);
  const { write } = base;
  return {
    ...base,
    hold: (sub: string, body: Json, key?: string | null) => write(sub, '/api/holds', body, key),
    capture: (sub: string, holdId: string, body: Json = {}, key?: string | null) =>
      write(sub, `/api/holds/${holdId}/capture`, body, key),
    void: (sub: string, holdId: string, body: Json = {}, key?: string | null) =>
      write(sub, `/api/holds/${holdId}/void`, body, key),
    get: (sub: string, url: string) => app.inject({ method: 'GET', url, headers: auth(sub) }),
  };
}

t.test('create 201 reserves the available balance; get and the wallet show it; balance is unchanged', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const before = Date.now();
  const created = await api.hold('alice', { walletId, amount: 300, metadata: { order: 'o-1' } });
  t.equal(created.statusCode, 201, created.body);
  const { hold, wallet } = created.json().data;
  t.match(hold, { walletId, amount: 300, capturedAmount: 0, status: 'active', metadata: { order: 'o-1' } });
  t.match(hold.id, /^[0-9a-f-]{36}$/);
  const ttlMs = Date.parse(hold.expiresAt) - before;
  const defaultTtlMs = harness.config.HOLD_DEFAULT_TTL_SECONDS * 1000;
  t.ok(ttlMs > defaultTtlMs - 60_000 && ttlMs <= defaultTtlMs + 60_000, `default TTL applied (${ttlMs} ms)`);
  t.match(wallet, { id: walletId, balance: 1000, heldBalance: 300, availableBalance: 700 });
  t.same(await api.wallet('alice', walletId), wallet, 'GET of the wallet agrees');
  t.equal((await api.entries('alice', walletId)).length, 1, 'a hold writes no ledger entry');

  const read = await api.get('alice', `/api/holds/${hold.id}`);
  t.equal(read.statusCode, 200);
  t.same(read.json().data, hold);

  const short = await api.hold('alice', { walletId, amount: 100, expiresInSeconds: 60 });
  t.equal(short.statusCode, 201);
  const shortTtlMs = Date.parse(short.json().data.hold.expiresAt) - Date.parse(short.json().data.hold.createdAt);
  t.ok(Math.abs(shortTtlMs - 60_000) < 2000, `expiresInSeconds: 60 → ${shortTtlMs} ms`);
});

t.test('HOLD_DEFAULT_TTL_SECONDS and HOLD_MAX_TTL_SECONDS are honoured', async (t) => {
  const harness = await build(t, { env: { ...env, HOLD_DEFAULT_TTL_SECONDS: '120', HOLD_MAX_TTL_SECONDS: '600' } });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const hold = (await api.hold('alice', { walletId, amount: 1 })).json().data.hold;
  const ttlMs = Date.parse(hold.expiresAt) - Date.parse(hold.createdAt);
  t.ok(Math.abs(ttlMs - 120_000) < 2000, `default lifetime 120 s (${ttlMs} ms)`);
  t.equal((await api.hold('alice', { walletId, amount: 1, expiresInSeconds: 600 })).statusCode, 201);
  const tooLong = await api.hold('alice', { walletId, amount: 1, expiresInSeconds: 601 });
  t.equal(problemOf(tooLong).code, 'validation_failed', 'above HOLD_MAX_TTL_SECONDS');
});

t.test('holds spend the available balance only: 409 insufficient_funds for holds and debits', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  t.equal((await api.hold('alice', { walletId, amount: 800 })).statusCode, 201);
  const second = await api.hold('alice', { walletId, amount: 300 });
  t.equal(second.statusCode, 409);
  t.equal(problemOf(second).code, 'insufficient_funds');
  const debit = await harness.app.inject({
    method: 'POST',
    url: '/api/wallets/debit',
    headers: harness.auth('alice', { 'idempotency-key': randomUUID() }),
    payload: { walletId, amount: 300 },
  });
  t.equal(problemOf(debit).code, 'insufficient_funds', 'a debit cannot spend held money');
  t.match(await api.wallet('alice', walletId), { balance: 1000, heldBalance: 800, availableBalance: 200 });
  t.equal((await api.hold('alice', { walletId, amount: 200 })).statusCode, 201, 'exactly the available amount');
  t.match(await api.wallet('alice', walletId), { balance: 1000, heldBalance: 1000, availableBalance: 0 });
});

t.test('capture: whole, then never again; partial releases the rest; more than the hold is 422', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const whole = (await api.hold('alice', { walletId, amount: 400 })).json().data.hold;
  const captured = await api.capture('alice', whole.id, { metadata: { ref: 'pay-1' } });
  t.equal(captured.statusCode, 200, captured.body);
  const data = captured.json().data;
  t.match(data.hold, { id: whole.id, status: 'captured', capturedAmount: 400, amount: 400 });
  t.match(data.transaction, {
    walletId,
    type: 'capture',
    amount: 400,
    balanceBefore: 1000,
    balanceAfter: 600,
    holdId: whole.id,
    reversedAmount: 0,
    metadata: { ref: 'pay-1' },
  });
  t.notOk('credit' in data, 'no credit without toWalletId');
  t.match(data.wallet, { balance: 600, heldBalance: 0, availableBalance: 600 });
  for (const again of [await api.capture('alice', whole.id), await api.void('alice', whole.id)]) {
    t.equal(again.statusCode, 409);
    t.equal(problemOf(again).code, 'hold_not_active', 'a captured hold cannot be captured or voided again');
  }

  const partial = (await api.hold('alice', { walletId, amount: 500 })).json().data.hold;
  const tooMuch = await api.capture('alice', partial.id, { amount: 501 });
  t.equal(tooMuch.statusCode, 422);
  t.equal(problemOf(tooMuch).code, 'capture_exceeds_hold');
  t.match((await api.get('alice', `/api/holds/${partial.id}`)).json().data, { status: 'active', capturedAmount: 0 });
  const part = await api.capture('alice', partial.id, { amount: 200 });
  t.equal(part.statusCode, 200, part.body);
  t.match(part.json().data.hold, { status: 'captured', capturedAmount: 200, amount: 500 });
  t.match(part.json().data.wallet, { balance: 400, heldBalance: 0, availableBalance: 400 }, 'the other 300 released');
  const entries = await api.entries('alice', walletId);
  t.same(
    entries.map((e) => [e.type, e.amount]),
    [
      ['capture', 200],
      ['capture', 400],
      ['credit', 1000],
    ],
  );
  t.equal(entrySum(entries), 400, 'balance equals the sum of its entries');
});

t.test('capture into another wallet: any user, same currency, atomically; other currency 422', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const alice = await harness.wallet('alice', 'USD', 1000);
  const bobUsd = await harness.wallet('bob', 'USD', 50);
  const bobEur = await harness.wallet('bob', 'EUR');
  const hold = (await api.hold('alice', { walletId: alice, amount: 700 })).json().data.hold;

  const mismatch = await api.capture('alice', hold.id, { toWalletId: bobEur });
  t.equal(mismatch.statusCode, 422);
  t.equal(problemOf(mismatch).code, 'currency_mismatch');
  const missing = await api.capture('alice', hold.id, { toWalletId: randomUUID() });
  t.equal(missing.statusCode, 404);
  t.equal(problemOf(missing).code, 'wallet_not_found');
  t.match(await api.wallet('alice', alice), { balance: 1000, heldBalance: 700 }, 'refusals changed nothing');
  t.match(await api.wallet('bob', bobEur), { balance: 0 });

  const captured = await api.capture('alice', hold.id, { amount: 600, toWalletId: bobUsd });
  t.equal(captured.statusCode, 200, captured.body);
  const data = captured.json().data;
  t.match(data.transaction, { walletId: alice, type: 'capture', amount: 600, holdId: hold.id });
  t.match(data.credit, { walletId: bobUsd, type: 'capture_in', amount: 600, balanceBefore: 50, balanceAfter: 650 });
  t.match(data.wallet, { id: alice, balance: 400, heldBalance: 0 });
  t.match(await api.wallet('bob', bobUsd), { balance: 650, heldBalance: 0, availableBalance: 650 });
  t.equal(entrySum(await api.entries('bob', bobUsd)), 650);
  t.equal(entrySum(await api.entries('alice', alice)), 400);
  t.equal(
    (await api.get('bob', `/api/holds/${hold.id}`)).statusCode,
    404,
    'the destination never sees the hold itself',
  );
});

t.test('void releases the hold once; another user gets 404 hold_not_found for every route', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const hold = (await api.hold('alice', { walletId, amount: 250 })).json().data.hold;

  const foreign = [
    await api.get('bob', `/api/holds/${hold.id}`),
    await api.capture('bob', hold.id),
    await api.void('bob', hold.id),
  ];
  const unknown = await api.get('alice', `/api/holds/${randomUUID()}`);
  for (const response of [...foreign, unknown]) {
    t.equal(response.statusCode, 404);
    t.equal(problemOf(response).code, 'hold_not_found');
  }
  t.equal(
    foreign[0]!.body.replace(/"requestId":"[^"]+"/, ''),
    unknown.body.replace(/"requestId":"[^"]+"/, ''),
    "another user's hold looks exactly like a missing one",
  );
  t.match(await api.wallet('alice', walletId), { heldBalance: 250 }, 'nothing changed');

  const voided = await api.void('alice', hold.id, { metadata: { reason: 'order cancelled' } });
  t.equal(voided.statusCode, 200, voided.body);
  t.match(voided.json().data.hold, { id: hold.id, status: 'voided', capturedAmount: 0 });
  t.match(voided.json().data.wallet, { balance: 1000, heldBalance: 0, availableBalance: 1000 });

  // No body at all (as `curl -X POST …/void` sends) means {}; an empty JSON body is still refused.
  const bare = (await api.hold('alice', { walletId, amount: 50 })).json().data.hold;
  const headers = harness.auth('alice', { 'idempotency-key': randomUUID() });
  const emptyJson = await harness.app.inject({
    method: 'POST',
    url: `/api/holds/${bare.id}/void`,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: '',
  });
  t.equal(emptyJson.statusCode, 400);
  const noBody = await harness.app.inject({ method: 'POST', url: `/api/holds/${bare.id}/void`, headers });
  t.equal(noBody.statusCode, 200, noBody.body);
  t.match(noBody.json().data.hold, { status: 'voided', metadata: {} });
  const again = await api.void('alice', hold.id);
  t.equal(problemOf(again).code, 'hold_not_active');
  t.equal(problemOf(await api.capture('alice', hold.id)).code, 'hold_not_active');
  t.equal((await api.entries('alice', walletId)).length, 1, 'a void writes no ledger entry');
  t.match(await api.wallet('alice', walletId), { balance: 1000, heldBalance: 0 });
});

t.test('from expiresAt on, capture and void answer 409 hold_expired', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const a = (await api.hold('alice', { walletId, amount: 100, expiresInSeconds: 1 })).json().data.hold;
  const b = (await api.hold('alice', { walletId, amount: 100, expiresInSeconds: 1 })).json().data.hold;
  await sleep(Math.max(0, Date.parse(b.expiresAt) - Date.now()) + 300);
  const capture = await api.capture('alice', a.id);
  const voided = await api.void('alice', b.id);
  for (const response of [capture, voided]) {
    t.equal(response.statusCode, 409, response.body);
    t.equal(problemOf(response).code, 'hold_expired');
  }
  t.equal(entrySum(await api.entries('alice', walletId)), 1000, 'nothing was captured');
  t.match(await api.wallet('alice', walletId), { balance: 1000 });
});

t.test('list: cursor paged newest first, filtered by status, scoped to the caller', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const other = await harness.wallet('alice', 'EUR', 1000);
  const ids: string[] = [];
  for (let index = 0; index < 5; index++)
    ids.push((await api.hold('alice', { walletId, amount: 10 + index })).json().data.hold.id);
  await api.hold('alice', { walletId: other, amount: 5 });
  await api.void('alice', ids[1]!);
  await api.capture('alice', ids[3]!);

  const seen: string[] = [];
  let url = `/api/holds?walletId=${walletId}&limit=2`;
  for (let page = 0; page < 5; page++) {
    const response = await api.get('alice', url);
    t.equal(response.statusCode, 200, response.body);
    const body = response.json();
    t.ok(body.data.length <= 2);
    seen.push(...body.data.map((hold: Json) => hold.id));
    if (body.nextCursor === null) break;
    url = `/api/holds?walletId=${walletId}&limit=2&cursor=${encodeURIComponent(body.nextCursor)}`;
  }
  t.same(seen, [...ids].reverse(), 'every hold of the wallet once, newest first');

  const voided = (await api.get('alice', `/api/holds?walletId=${walletId}&status=voided`)).json();
  t.same(
    voided.data.map((hold: Json) => hold.id),
    [ids[1]],
  );
  t.equal(voided.nextCursor, null);
  const active = (await api.get('alice', `/api/holds?walletId=${walletId}&status=active`)).json();
  t.same(
    active.data.map((hold: Json) => hold.id),
    [ids[4], ids[2], ids[0]],
  );
  t.equal(problemOf(await api.get('bob', `/api/holds?walletId=${walletId}`)).code, 'wallet_not_found');

  const firstPage = (await api.get('alice', `/api/holds?walletId=${walletId}&limit=1`)).json();
  const foreignCursor = await api.get(
    'alice',
    `/api/holds?walletId=${other}&cursor=${encodeURIComponent(firstPage.nextCursor)}`,
  );
  t.equal(foreignCursor.statusCode, 400, "a cursor of one wallet does not page another's");
  for (const query of [
    `walletId=${walletId}&status=pending`,
    `walletId=${walletId}&limit=0`,
    `walletId=${walletId}&limit=101`,
    `walletId=${walletId}&cursor=forged`,
    'walletId=not-a-uuid',
    '',
    `walletId=${walletId}&extra=1`,
  ]) {
    const response = await api.get('alice', `/api/holds?${query}`);
    t.equal(response.statusCode, 400, query);
    t.equal(problemOf(response).code, 'validation_failed', query);
  }
});

t.test('idempotent: replay is byte-identical with Idempotent-Replayed, one effect; reuse is 422', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const first = await api.hold('alice', { walletId, amount: 300 }, 'hold-1');
  const replay = await api.hold('alice', { walletId, amount: 300 }, 'hold-1');
  t.equal(replay.statusCode, 201);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(replay.body, first.body, 'byte-identical');
  t.notOk(first.headers['idempotent-replayed']);
  const reused = await api.hold('alice', { walletId, amount: 301 }, 'hold-1');
  t.equal(reused.statusCode, 422);
  t.equal(problemOf(reused).code, 'idempotency_key_reused');
  const otherRoute = await api.void('alice', first.json().data.hold.id, {}, 'hold-1');
  t.equal(problemOf(otherRoute).code, 'idempotency_key_reused', 'same key on another route');
  t.match(await api.wallet('alice', walletId), { heldBalance: 300 }, 'one hold, not two');
  const bobs = await api.hold('bob', { walletId, amount: 300 }, 'hold-1');
  t.equal(problemOf(bobs).code, 'wallet_not_found', "keys are per user: bob's key does not replay alice's reply");

  const holdId = first.json().data.hold.id;
  const capture = await api.capture('alice', holdId, { amount: 100 }, 'cap-1');
  const captureReplay = await api.capture('alice', holdId, { amount: 100 }, 'cap-1');
  t.equal(captureReplay.statusCode, 200);
  t.equal(captureReplay.headers['idempotent-replayed'], 'true');
  t.equal(captureReplay.body, capture.body);
  t.equal(problemOf(await api.capture('alice', holdId, { amount: 99 }, 'cap-1')).code, 'idempotency_key_reused');
  t.equal((await api.entries('alice', walletId)).length, 2, 'one capture entry');
  const otherHold = (await api.hold('alice', { walletId, amount: 50 })).json().data.hold.id;
  const otherCapture = await api.capture('alice', otherHold, { amount: 100 }, 'cap-1');
  t.equal(otherCapture.statusCode, 422, 'the same key and body on another hold is a different request');
  t.equal(problemOf(otherCapture).code, 'idempotency_key_reused');
  t.notOk(otherCapture.headers['idempotent-replayed'], "never the other hold's reply from the Redis fast path");

  const refused = await api.void('alice', holdId, {}, 'void-1');
  t.equal(problemOf(refused).code, 'hold_not_active');
  const refusedReplay = await api.void('alice', holdId, {}, 'void-1');
  t.equal(refusedReplay.headers['idempotent-replayed'], 'true', 'a hold_not_active refusal is remembered');
  t.equal(refusedReplay.body, refused.body, 'replayed with the original requestId');

  for (const response of [
    await api.hold('alice', { walletId, amount: 1 }, null),
    await api.capture('alice', holdId, {}, null),
    await api.void('alice', holdId, {}, null),
  ]) {
    t.equal(response.statusCode, 400);
    t.equal(problemOf(response).code, 'idempotency_key_required');
  }
  t.equal(
    problemOf(await api.hold('alice', { walletId, amount: 1 }, 'bad key with spaces')).code,
    'idempotency_key_invalid',
  );
});

t.test('bad input is 400 validation_failed and changes nothing', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const maxTtl = harness.config.HOLD_MAX_TTL_SECONDS;
  const bodies: Json[] = [
    { walletId, amount: '100' },
    { walletId, amount: 1.5 },
    { walletId, amount: 0 },
    { walletId, amount: -5 },
    { walletId, amount: harness.config.MAX_AMOUNT + 1 },
    { walletId, amount: 2 ** 53 },
    { walletId },
    { walletId, amount: 10, expiresInSeconds: 0 },
    { walletId, amount: 10, expiresInSeconds: maxTtl + 1 },
    { walletId, amount: 10, expiresInSeconds: 1.5 },
    { walletId, amount: 10, expiresInSeconds: '60' },
    { walletId: 'not-a-uuid', amount: 10 },
    { walletId, amount: 10, unknown: true },
    { walletId, amount: 10, metadata: { $where: 'x' } },
    { walletId, amount: 10, metadata: { nested: { a: 'b' } } },
  ];
  for (const body of bodies) {
    const response = await api.hold('alice', body);
    t.equal(response.statusCode, 400, JSON.stringify(body));
    t.equal(problemOf(response).code, 'validation_failed', JSON.stringify(body));
  }
  t.equal((await api.hold('alice', { walletId, amount: 10, expiresInSeconds: maxTtl })).statusCode, 201, 'max TTL');
  const hold = (await api.hold('alice', { walletId, amount: 10 })).json().data.hold;
  for (const body of [{ amount: 0 }, { amount: 1.5 }, { amount: '5' }, { toWalletId: 'x' }, { extra: 1 }]) {
    const response = await api.capture('alice', hold.id, body);
    t.equal(problemOf(response).code, 'validation_failed', `capture ${JSON.stringify(body)}`);
  }
  t.equal(problemOf(await api.void('alice', hold.id, { amount: 5 })).code, 'validation_failed', 'void takes no amount');
  for (const url of ['/api/holds/not-a-uuid', `/api/holds/${hold.id}x`]) {
    t.equal(problemOf(await api.get('alice', url)).code, 'validation_failed', url);
  }
  t.equal(problemOf(await api.capture('alice', 'nope')).code, 'validation_failed');
  t.match(await api.wallet('alice', walletId), { balance: 1000, heldBalance: 20, availableBalance: 980 });
  t.match((await api.get('alice', `/api/holds/${hold.id}`)).json().data, { status: 'active' });
});

t.test('capture race over HTTP: 10 concurrent captures of one hold, exactly one 200, books exact', async (t) => {
  const harness = await build(t, { env });
  const api = client(harness);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const destination = await harness.wallet('bob', 'USD');
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const post = async (url: string, body: Json) => {
    const response = await fetch(`${address}${url}`, {
      method: 'POST',
      headers: { ...harness.auth('alice', { 'idempotency-key': randomUUID() }), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const hold = (await api.hold('alice', { walletId, amount: 600 })).json().data.hold;
  const captures = await Promise.all(
    Array.from({ length: 10 }, () => post(`/api/holds/${hold.id}/capture`, { toWalletId: destination })),
  );
  t.equal(captures.filter((r) => r.status === 200).length, 1, captures.map((r) => r.status).join(','));
  t.equal(captures.filter((r) => r.body.code === 'hold_not_active').length, 9);
  t.match(await api.wallet('alice', walletId), { balance: 400, heldBalance: 0, availableBalance: 400 });
  t.match(await api.wallet('bob', destination), { balance: 600 });
  t.equal(entrySum(await api.entries('alice', walletId)), 400, "alice's balance is the sum of her entries");
  t.equal(entrySum(await api.entries('bob', destination)), 600, 'one capture_in, not ten');

  const contested = (await api.hold('alice', { walletId, amount: 300 })).json().data.hold;
  const mixed = await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      post(`/api/holds/${contested.id}/${index % 2 === 0 ? 'capture' : 'void'}`, {}),
    ),
  );
  t.equal(mixed.filter((r) => r.status === 200).length, 1, `captures racing voids: ${mixed.map((r) => r.status)}`);
  const settled = (await api.get('alice', `/api/holds/${contested.id}`)).json().data;
  const wallet = await api.wallet('alice', walletId);
  t.equal(wallet.heldBalance, 0);
  t.equal(wallet.balance, settled.status === 'captured' ? 100 : 400, `the winner (${settled.status}) decided`);
  t.equal(entrySum(await api.entries('alice', walletId)), wallet.balance);
});

t.test('webhooks subscribe to the hold and reversal events; the OpenAPI lists every hold route', async (t) => {
  const harness = await build(t, { env: { ...env, WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const events = ['hold.created', 'hold.captured', 'hold.voided', 'hold.expired', 'transaction.reversed'];
  const created = await harness.app.inject({
    method: 'POST',
    url: '/api/webhooks',
    headers: harness.auth('alice'),
    payload: { url: 'http://127.0.0.1:9/hook', events },
  });
  t.equal(created.statusCode, 201, created.body);
  t.same(created.json().data.events, events);
  const unknown = await harness.app.inject({
    method: 'POST',
    url: '/api/webhooks',
    headers: harness.auth('alice'),
    payload: { url: 'http://127.0.0.1:9/hook', events: ['hold.exploded'] },
  });
  t.equal(problemOf(unknown).code, 'validation_failed');

  const openapi = (await harness.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const expected: Record<string, Record<string, string[]>> = {
    '/api/holds/': { post: ['201', '400', '404', '409', '422'], get: ['200', '400', '404'] },
    '/api/holds/{holdId}': { get: ['200', '400', '404'] },
    '/api/holds/{holdId}/capture': { post: ['200', '400', '404', '409', '422'] },
    '/api/holds/{holdId}/void': { post: ['200', '400', '404', '409'] },
    '/api/transactions/{transactionId}/reverse': { post: ['200', '400', '404', '409', '422'] },
  };
  for (const [path, methods] of Object.entries(expected)) {
    const item = openapi.paths[path] ?? openapi.paths[path.replace(/\/$/, '')];
    t.ok(item, `${path} is documented`);
    for (const [method, statuses] of Object.entries(methods)) {
      const responses = Object.keys(item?.[method]?.responses ?? {});
      for (const status of statuses) t.ok(responses.includes(status), `${method} ${path} documents ${status}`);
    }
  }
  const captureConflicts = openapi.paths['/api/holds/{holdId}/capture'].post.responses['409'].description;
  t.match(captureConflicts, /hold_not_active/);
  t.match(captureConflicts, /hold_expired/);
});
