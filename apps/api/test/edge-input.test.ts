// Input normalised or refused at the edge, for every route: a JWT `sub` with a control character or invalid UTF-16 is 401 (never 500) on each authenticated route, and UUIDs in any case are the same id everywhere — upper-case ids work on every route that takes one, and a transfer between two spellings of one wallet is 422 same_wallet. Tokens are signed with the test secret; requests go through app.inject against real PostgreSQL and Redis.
import { randomUUID } from 'node:crypto';
import { t } from 'tap';
import { build, problemOf } from './helper.js';

t.test('a sub with control characters or invalid UTF-16 is 401 on every authenticated route', async (t) => {
  const { app, auth, wallet } = await build(t);
  const walletId = await wallet('owner', 'USD', 1000);
  const routes = [
    { method: 'GET', url: '/api/wallets' },
    { method: 'POST', url: '/api/wallets', payload: { currency: 'EUR' } },
    { method: 'GET', url: `/api/wallets/${walletId}` },
    { method: 'POST', url: '/api/wallets/credit', payload: { walletId, amount: 1 }, key: true },
    { method: 'POST', url: '/api/wallets/debit', payload: { walletId, amount: 1 }, key: true },
    {
      method: 'POST',
      url: '/api/transfers',
      payload: { fromWalletId: walletId, toWalletId: walletId, amount: 1 },
      key: true,
    },
    { method: 'GET', url: `/api/transactions?walletId=${walletId}` },
    { method: 'GET', url: '/api/webhooks' },
  ] as const;
  const subs = {
    nul: 'ali\u0000ce',
    'lone high surrogate': 'ali\ud800ce',
    'lone low surrogate': '\udc00alice',
    'line feed': 'alice\nadmin',
    'C1 control': 'alice\u0085',
    'line separator': 'alice\u2028',
    delete: 'alice\u007f',
  };
  for (const [name, sub] of Object.entries(subs)) {
    for (const route of routes) {
      const headers = auth(sub, 'key' in route ? { 'idempotency-key': randomUUID() } : {});
      const response = await app.inject({
        method: route.method,
        url: route.url,
        headers,
        ...('payload' in route ? { payload: route.payload } : {}),
      });
      t.equal(response.statusCode, 401, `${name}: ${route.method} ${route.url}`);
      t.equal(problemOf(response).code, 'unauthorized');
      t.match(response.headers['www-authenticate'], /^Bearer/);
    }
  }
  const fine = await app.inject({ method: 'GET', url: '/api/wallets', headers: auth('alice-😀 ünïcode') });
  t.equal(fine.statusCode, 200, 'a well-formed non-ASCII sub is fine');
});

t.test('UUIDs are the same id in any case, on every route that takes one', async (t) => {
  const { app, auth, wallet } = await build(t);
  const from = await wallet('casey', 'USD', 1000);
  const to = await wallet('casey', 'EUR');
  const toUsd = await wallet('other', 'USD');
  const upper = (id: string) => id.toUpperCase();
  const write = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, headers: auth('casey', { 'idempotency-key': randomUUID() }), payload });

  const got = await app.inject({ method: 'GET', url: `/api/wallets/${upper(from)}`, headers: auth('casey') });
  t.equal(got.statusCode, 200, 'GET wallet');
  t.equal(got.json().data.id, from, 'answered with the canonical id');

  const credited = await write('/api/wallets/credit', { walletId: upper(from), amount: 10 });
  t.equal(credited.statusCode, 200, 'credit');
  t.equal(credited.json().data.wallet.id, from);
  t.equal((await write('/api/wallets/debit', { walletId: upper(from), amount: 10 })).statusCode, 200, 'debit');

  const transfer = await write('/api/transfers', { fromWalletId: upper(from), toWalletId: upper(toUsd), amount: 5 });
  t.equal(transfer.statusCode, 200, `transfer with upper-case ids: ${transfer.body}`);
  t.equal(transfer.json().data.credit.walletId, toUsd);

  const history = await app.inject({
    method: 'GET',
    url: `/api/transactions?walletId=${upper(from)}`,
    headers: auth('casey'),
  });
  t.equal(history.statusCode, 200, 'history');
  t.equal(
    history.json().data.length,
    4,
    'the whole history (first credit, credit, debit, transfer), under the canonical id',
  );

  const same = await write('/api/transfers', { fromWalletId: from, toWalletId: upper(from), amount: 5 });
  t.equal(same.statusCode, 422, 'two spellings of one wallet');
  t.equal(problemOf(same).code, 'same_wallet');

  const mismatch = await write('/api/transfers', { fromWalletId: upper(from), toWalletId: upper(to), amount: 5 });
  t.equal(problemOf(mismatch).code, 'currency_mismatch', 'the destination is found under its upper-case id');

  const hook = await app.inject({
    method: 'POST',
    url: '/api/webhooks',
    headers: auth('casey'),
    payload: { url: 'https://93.184.216.34/hooks/wallet' },
  });
  if (hook.statusCode === 201) {
    const id = hook.json().data.id as string;
    const shown = await app.inject({ method: 'GET', url: `/api/webhooks/${upper(id)}`, headers: auth('casey') });
    t.equal(shown.statusCode, 200, 'GET webhook by upper-case id');
    const deleted = await app.inject({ method: 'DELETE', url: `/api/webhooks/${upper(id)}`, headers: auth('casey') });
    t.ok(deleted.statusCode < 300, 'DELETE webhook by upper-case id');
  } else {
    t.fail(`webhook not created: ${hook.statusCode} ${hook.body}`);
  }

  const balance = await app.inject({ method: 'GET', url: `/api/wallets/${from}`, headers: auth('casey') });
  t.equal(balance.json().data.balance, 995, 'every write landed on the one wallet');
});

t.test('number literals with a fraction or an exponent are refused before they can round to an integer', async (t) => {
  const { app, auth, wallet } = await build(t);
  const walletId = await wallet('exact', 'USD', 0);
  const credit = (raw: string) =>
    app.inject({
      method: 'POST',
      url: '/api/wallets/credit',
      headers: auth('exact', { 'idempotency-key': randomUUID(), 'content-type': 'application/json' }),
      payload: raw,
    });
  for (const amount of ['100.0000000000000001', '100.0', '1e2', '1E2', '100e0', '-1.5']) {
    const response = await credit(`{"walletId":"${walletId}","amount":${amount}}`);
    t.equal(response.statusCode, 400, amount);
    t.equal(problemOf(response).code, 'validation_failed');
  }
  const nested = await credit(`{"walletId":"${walletId}","amount":1,"metadata":{"n":"1.5e3 \\" 2.5"}}`);
  t.equal(nested.statusCode, 200, `numbers inside strings are text: ${nested.body}`);
  const poisoned = await credit(`{"walletId":"${walletId}","amount":1,"__proto__":{"x":"y"}}`);
  t.equal(poisoned.statusCode, 400, 'prototype poisoning is still refused');
  const got = await app.inject({ method: 'GET', url: `/api/wallets/${walletId}`, headers: auth('exact') });
  t.equal(got.json().data.balance, 1, 'only the integer credit was booked');
});
