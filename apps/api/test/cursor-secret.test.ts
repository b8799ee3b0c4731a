// The cursor key (DESIGN.md §2): CURSOR_SECRET when set, else derived from JWT_SECRET (unchanged, so existing cursors stay valid), never from a public key; a history cursor made by one key is refused by an app with another.
import { createHmac, randomUUID } from 'node:crypto';
import { t } from 'tap';
import { cursorSecretFor } from '../src/plugins/app/ledger.js';
import { build, dropSchema, newSchemaName, problemOf } from './helper.js';

t.test('cursorSecretFor', async (t) => {
  const jwt = 'j'.repeat(40);
  const derived = createHmac('sha256', jwt).update('wallet-api/history-cursor/v1').digest();
  t.same(cursorSecretFor({ JWT_SECRET: jwt }), derived, 'derived from JWT_SECRET as before');
  const own = cursorSecretFor({ JWT_SECRET: jwt, CURSOR_SECRET: 'c'.repeat(40) });
  t.notSame(own, derived, 'CURSOR_SECRET wins over JWT_SECRET');
  t.notSame(own, cursorSecretFor({ CURSOR_SECRET: 'd'.repeat(40) }), 'each secret its own key');
  t.throws(() => cursorSecretFor({}), /CURSOR_SECRET is required/, 'never a key from nothing or a public key');
});

t.test('a cursor signed with another CURSOR_SECRET is refused', async (t) => {
  const schema = newSchemaName();
  const first = await build(t, { schema, env: { CURSOR_SECRET: 'a'.repeat(40) } });
  t.teardown(() => dropSchema(schema));
  const walletId = await first.wallet('pager', 'USD', 0);
  for (let i = 0; i < 3; i += 1) {
    const credited = await first.app.inject({
      method: 'POST',
      url: '/api/wallets/credit',
      headers: first.auth('pager', { 'idempotency-key': randomUUID() }),
      payload: { walletId, amount: 1 },
    });
    t.equal(credited.statusCode, 200);
  }
  const url = `/api/transactions?walletId=${walletId}&limit=1`;
  const page = await first.app.inject({ method: 'GET', url, headers: first.auth('pager') });
  const cursor = page.json().nextCursor as string;
  t.ok(cursor, 'a next cursor');
  const next = `${url}&cursor=${encodeURIComponent(cursor)}`;
  t.equal((await first.app.inject({ method: 'GET', url: next, headers: first.auth('pager') })).statusCode, 200);

  const second = await build(t, { schema, env: { CURSOR_SECRET: 'b'.repeat(40) } });
  const refused = await second.app.inject({ method: 'GET', url: next, headers: second.auth('pager') });
  t.equal(refused.statusCode, 400, 'the other key does not accept it');
  t.equal(problemOf(refused).code, 'validation_failed');
});
