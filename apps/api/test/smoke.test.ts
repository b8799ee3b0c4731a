// Smoke: the app builds against real PostgreSQL and Redis and answers a credit.
import t from 'tap';
import { build } from './helper.js';

t.test('create, credit, read', async (t) => {
  const { app, auth, wallet } = await build(t);
  const id = await wallet('alice', 'USD', 1000);
  const res = await app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: auth('alice') });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().data.balance, 1000);
  t.equal(res.headers.etag, '"1"');
});
