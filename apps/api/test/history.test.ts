// Read your writes through the history cache (DESIGN.md §4.4): a page read after a write's response always shows it, cursor pages are cached by position and stay stable under concurrent inserts.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { build, TEST_REDIS_URL } from './helper.js';

t.test('first page: cached per wallet version, so a write is always visible right after its response', async (t) => {
  const { app, auth, wallet, prefix } = await build(t, { env: { HISTORY_CACHE_TTL_SECONDS: '3600' } });
  const redis = new Redis(TEST_REDIS_URL);
  t.teardown(() => redis.quit());
  const id = await wallet('alice', 'USD', 100);
  const url = `/api/transactions?walletId=${id}&limit=5`;
  const before = await app.inject({ url, headers: auth('alice') });
  const cachedAgain = await app.inject({ url, headers: auth('alice') });
  t.equal(cachedAgain.body, before.body);
  t.equal((await redis.keys(`${prefix}:hist:${id}:*`)).length, 1, 'one cached first page');
  for (let i = 0; i < 3; i++) {
    const credit = await app.inject({
      method: 'POST',
      url: '/api/wallets/credit',
      headers: auth('alice', { 'idempotency-key': randomUUID() }),
      payload: { walletId: id, amount: 10 + i },
    });
    const page = await app.inject({ url, headers: auth('alice') });
    t.equal(
      page.json().data[0].id,
      credit.json().data.transactionId,
      `write ${i} visible immediately despite a long TTL`,
    );
  }
  const metrics = (await app.inject({ url: '/metrics' })).body;
  t.match(metrics, /history_cache_total\{result="hit"\} 1\n/);
});

t.test('cursor pages: immutable, cached by position; no item twice or skipped while new entries arrive', async (t) => {
  const { app, auth, wallet } = await build(t);
  const id = await wallet('alice');
  const credit = (amount: number) =>
    app.inject({
      method: 'POST',
      url: '/api/wallets/credit',
      headers: auth('alice', { 'idempotency-key': randomUUID() }),
      payload: { walletId: id, amount },
    });
  for (let i = 1; i <= 7; i++) await credit(i);
  const seen: number[] = [];
  const landed: Array<{ status: number; id: string }> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `/api/transactions?walletId=${id}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await app.inject({ url, headers: auth('alice') });
    t.equal(page.statusCode, 200);
    seen.push(...page.json().data.map((e: { amount: number }) => e.amount));
    cursor = page.json().nextCursor;
    const inserted = await credit(100 + pages); // concurrent inserts land on top, never inside older pages
    landed.push({ status: inserted.statusCode, id: inserted.json().data?.transactionId });
    pages++;
  } while (cursor && pages < 10);
  t.same(seen, [7, 6, 5, 4, 3, 2, 1], 'each original entry exactly once, newest first');
  t.same(
    landed.map((write) => write.status),
    [200, 200, 200],
    'a write landed between every two pages',
  );
  const fresh = await app.inject({ url: `/api/transactions?walletId=${id}&limit=20`, headers: auth('alice') });
  t.same(
    fresh.json().data.map((e: { amount: number }) => e.amount),
    [102, 101, 100, 7, 6, 5, 4, 3, 2, 1],
    'the writes made while paging are in the ledger, on top of the paged ones',
  );
  t.same(
    fresh
      .json()
      .data.slice(0, 3)
      .map((e: { id: string }) => e.id),
    landed.map((write) => write.id).reverse(),
  );
});
