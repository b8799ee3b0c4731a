// DESIGN §4.4 against the tempting design for cached history — the wallet version held in Redis, set by each writer after its commit, read with the page in one script — shown with two API processes on one PostgreSQL schema: a writer whose Redis is unreachable commits and answers, and the weaker design then serves a page without that write, while the API as built (version read from PostgreSQL) does not.
import t from 'tap';
import { Redis } from 'ioredis';
import { build, dropSchema, freePort, newSchemaName, post, TEST_REDIS_URL } from './helper.js';
import { historyCacheKey } from '../src/plugins/app/history-cache.js';

/**
 * The weaker design's read, as it would run in one round trip: the version from Redis
 * (`<prefix>:wver:<wallet>`, written by writers after commit), then the page cached under it.
 */
const WEAKER_READ_LUA = `
local version = redis.call('GET', KEYS[1])
if not version then return false end
return redis.call('GET', ARGV[1] .. version .. ARGV[2])`;

t.test('weaker design DOES serve a stale page after a write whose Redis update was lost', async (t) => {
  const schema = newSchemaName();
  t.teardown(() => dropSchema(schema));
  // The reader: a normal API process on the shared Redis.
  const reader = await build(t, { schema });
  // The writer: another API process, same database, whose Redis is unreachable (a closed port).
  const writer = await build(t, { schema, redisUrl: `redis://127.0.0.1:${await freePort()}` });
  const redis = new Redis(TEST_REDIS_URL);
  t.teardown(() => redis.quit());

  const id = await reader.wallet('alice', 'USD', 1000);
  const url = `/api/transactions?walletId=${id}&limit=20`;
  const before = await reader.app.inject({ url, headers: reader.auth('alice') });
  t.equal(before.statusCode, 200, 'page 1 cached under the version read from PostgreSQL');
  const walletBefore = (await reader.app.inject({ url: `/api/wallets/${id}`, headers: reader.auth('alice') })).json();
  const versionKey = `${reader.prefix}:wver:${id}`;
  // What the weaker design's writers would have left after the funding credit: the version.
  await redis.set(versionKey, String(walletBefore.data.version));

  const credit = await post(writer.app, '/api/wallets/credit', writer.auth('alice', { 'idempotency-key': 'w-1' }), {
    walletId: id,
    amount: 250,
  });
  t.equal(credit.statusCode, 200, 'the write is committed and acknowledged');
  // Its post-commit version update never reached Redis: that process cannot reach it.

  const pageKey = historyCacheKey(reader.prefix, { walletId: id, limit: 20, version: 0 });
  const [keyStart, keyEnd] = pageKey.split(':v0:') as [string, string];
  const weaker = (await redis.eval(WEAKER_READ_LUA, 1, versionKey, `${keyStart}:v`, `:${keyEnd}`)) as string | null;
  t.ok(weaker, 'the weaker design finds a cached page');
  const weakerAmounts = (JSON.parse(weaker!) as { data: { amount: number }[] }).data.map((entry) => entry.amount);
  t.same(weakerAmounts, [1000], 'weaker design: the acknowledged credit of 250 is missing (violates §4.4)');

  const built = await reader.app.inject({ url, headers: reader.auth('alice') });
  t.same(
    built.json().data.map((entry: { amount: number }) => entry.amount),
    [250, 1000],
    'the API as built reads the version from PostgreSQL and shows the write',
  );
});
