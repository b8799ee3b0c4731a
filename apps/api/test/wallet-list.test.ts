// Goal: GET /api/wallets reaches every wallet of a user with more than one page of them
// (105), never shows one twice, keeps paging while wallets are created, and refuses bad or
// foreign cursors and limits with 400. Method: the real app (app.inject) over PostgreSQL and
// Redis; wallets created over HTTP, ten at a time so many share a creation millisecond.
import t from 'tap';
import { build, problemOf } from './helper.js';

const currencyAt = (index: number): string =>
  [Math.floor(index / 676), Math.floor(index / 26), index]
    .map((value) => String.fromCharCode(65 + (value % 26)))
    .join('');

t.test('105 wallets: every one reachable across pages, none twice', async (t) => {
  const { app, auth, wallet } = await build(t, { env: { RATE_LIMIT_MAX: '2000' } });
  const created: string[] = [];
  for (let start = 0; start < 105; start += 10) {
    const batch = Array.from({ length: Math.min(10, 105 - start) }, (_, offset) => currencyAt(start + offset));
    created.push(...(await Promise.all(batch.map((currency) => wallet('paula', currency)))));
  }
  await wallet('quentin', 'USD');

  const first = await app.inject({ method: 'GET', url: '/api/wallets', headers: auth('paula') });
  t.equal(first.statusCode, 200);
  t.equal(first.json().data.length, 100, 'default page of 100');
  t.type(first.json().nextCursor, 'string', 'and a cursor: the 100 are not all');
  const rest = await app.inject({
    method: 'GET',
    url: `/api/wallets?cursor=${encodeURIComponent(first.json().nextCursor)}`,
    headers: auth('paula'),
  });
  t.equal(rest.json().data.length, 5, 'the last five');
  t.equal(rest.json().nextCursor, null);

  const seen: string[] = [];
  const late: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const query: string = cursor === null ? '?limit=7' : `?limit=7&cursor=${encodeURIComponent(cursor)}`;
    const page = await app.inject({ method: 'GET', url: `/api/wallets${query}`, headers: auth('paula') });
    t.equal(page.statusCode, 200);
    seen.push(...page.json().data.map((item: { id: string }) => item.id));
    cursor = page.json().nextCursor;
    if (cursor === null) break;
    if (pages === 2) late.push(await wallet('paula', currencyAt(600)), await wallet('paula', currencyAt(601)));
  }
  t.equal(cursor, null, 'the walk ended');
  t.equal(new Set(seen).size, seen.length, 'no wallet twice');
  t.same([...seen].sort(), [...created, ...late].sort(), "every one of paula's wallets, and only hers");
});

t.test('bad limits and cursors are 400 and foreign cursors are refused', async (t) => {
  const { app, auth, wallet } = await build(t);
  for (const currency of ['EUR', 'USD']) await wallet('rita', currency);
  const page = await app.inject({ method: 'GET', url: '/api/wallets?limit=1', headers: auth('rita') });
  t.equal(page.json().data.length, 1);
  const cursor = page.json().nextCursor as string;
  t.type(cursor, 'string');
  const bad = [
    '?limit=0',
    '?limit=101',
    '?limit=abc',
    '?cursor=',
    `?cursor=${'a'.repeat(600)}`,
    '?cursor=bm9wZQ.AAAA',
    `?cursor=${encodeURIComponent(cursor)}x`,
    '?unknown=1',
  ];
  for (const query of bad) {
    const response = await app.inject({ method: 'GET', url: `/api/wallets${query}`, headers: auth('rita') });
    t.equal(response.statusCode, 400, query.slice(0, 40));
    t.equal(problemOf(response).code, 'validation_failed');
  }
  const foreign = await app.inject({
    method: 'GET',
    url: `/api/wallets?cursor=${encodeURIComponent(cursor)}`,
    headers: auth('sam'),
  });
  t.equal(foreign.statusCode, 400, "rita's cursor is not sam's");
});
