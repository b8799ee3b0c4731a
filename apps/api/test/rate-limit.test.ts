// Rate limiting (issue item 4) against real Redis: headers on every limited response, 429 problem+json with Retry-After, a per-user key, and the stricter shared budget of money-moving routes.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build, problemOf } from './helper.js';

t.test(
  'per-user budget: headers, then 429 rate_limited with retry-after; other users unaffected; probes never limited',
  async (t) => {
    const { app, auth } = await build(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' } });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ url: '/api/wallets', headers: auth('alice') });
      t.equal(res.statusCode, 200);
      t.equal(res.headers['x-ratelimit-limit'], '3');
      t.ok(Number(res.headers['x-ratelimit-reset']) > 0);
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    t.same(remaining, ['2', '1', '0']);
    const limited = await app.inject({ url: '/api/wallets', headers: auth('alice') });
    t.equal(limited.statusCode, 429);
    t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.equal(problemOf(limited).code, 'rate_limited');
    t.ok(Number(limited.headers['retry-after']) >= 1);
    t.equal((await app.inject({ url: '/api/wallets', headers: auth('bob') })).statusCode, 200, 'keyed by user');
    for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: '/health/live' })).statusCode, 200);
    t.equal((await app.inject({ url: '/openapi.json' })).statusCode, 200);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    t.match(metrics, /rate_limited_total 1/);
  },
);

t.test('money-moving routes share the stricter RATE_LIMIT_WRITE_MAX', async (t) => {
  const { app, auth, wallet } = await build(t, { env: { RATE_LIMIT_MAX: '100', RATE_LIMIT_WRITE_MAX: '2' } });
  const id = await wallet('alice');
  const headers = () => auth('alice', { 'idempotency-key': randomUUID() });
  const credit = await app.inject({
    method: 'POST',
    url: '/api/wallets/credit',
    headers: headers(),
    payload: { walletId: id, amount: 1 },
  });
  t.equal(credit.headers['x-ratelimit-limit'], '2');
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/wallets/debit',
        headers: headers(),
        payload: { walletId: id, amount: 1 },
      })
    ).statusCode,
    200,
  );
  const third = await app.inject({
    method: 'POST',
    url: '/api/transfers',
    headers: headers(),
    payload: { fromWalletId: id, toWalletId: randomUUID(), amount: 1 },
  });
  t.equal(third.statusCode, 429, 'the budget is shared by credit, debit and transfer');
  const read = await app.inject({ url: `/api/wallets/${id}`, headers: auth('alice') });
  t.equal(read.statusCode, 200, 'reads keep their own budget');
  t.equal(read.headers['x-ratelimit-limit'], '100');
  t.equal(read.json().data.balance, 0);
});
