// Exactly once per Idempotency-Key when Redis cannot answer first (DESIGN.md §4.3, §4.7): same-key requests race over
// HTTP with Redis down (an app pointed at a closed port) and with a private redis-server killed in the middle of a
// burst, so the database's guard on the idempotency record is what decides. One effect per key, every 200 for a key
// carries the same bytes, the only other answer is 409 idempotency_key_in_flight, and the ledger holds one entry.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { build, freePort } from './helper.js';
import { startRedis, stopRedis } from './redis-server.js';

type Harness = Awaited<ReturnType<typeof build>>;
interface Answer {
  status: number;
  body: string;
  replayed: string | null;
}

const env = { RATE_LIMIT_MAX: '100000', RATE_LIMIT_WRITE_MAX: '100000' };

async function send(address: string, harness: Harness, key: string, walletId: string, amount: number) {
  const res = await fetch(`${address}/api/wallets/credit`, {
    method: 'POST',
    headers: { ...harness.auth('alice', { 'idempotency-key': key }), 'content-type': 'application/json' },
    body: JSON.stringify({ walletId, amount }),
  });
  return { status: res.status, body: await res.text(), replayed: res.headers.get('idempotent-replayed') };
}

/** Every answer for one key: 200s byte-identical, else 409 in flight; returns the 200 body, if any. */
function checkAnswers(t: Test, key: string, answers: Answer[]): string | undefined {
  const ok = answers.filter((a) => a.status === 200);
  const other = answers.filter((a) => a.status !== 200);
  t.ok(
    other.every((a) => a.status === 409 && JSON.parse(a.body).code === 'idempotency_key_in_flight'),
    `${key}: only 200 or 409 in flight (${answers.map((a) => a.status).join(',')})`,
  );
  t.equal(new Set(ok.map((a) => a.body)).size, ok.length > 0 ? 1 : 0, `${key}: every 200 carries the same bytes`);
  t.ok(ok.filter((a) => a.replayed !== 'true').length <= 1, `${key}: at most one answer is not a replay`);
  return ok[0]?.body;
}

async function entries(harness: Harness, walletId: string): Promise<Array<{ id: string; amount: number }>> {
  const res = await harness.app.inject({
    url: `/api/transactions?walletId=${walletId}&limit=100`,
    headers: harness.auth('alice'),
  });
  return res.json().data;
}

t.test('Redis down: 10 identical requests at once reach the database guard; one effect, one body', async (t) => {
  const closedPort = await freePort(); // nothing listens there
  const harness = await build(t, { env, redisUrl: `redis://127.0.0.1:${closedPort}` });
  const id = await harness.wallet('alice');
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  for (const round of [1, 2, 3]) {
    const key = `redis-down-${round}`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(address, harness, key, id, 25)));
    const body = checkAnswers(t, key, answers);
    t.ok(body, `${key}: at least one 200`);
    const again = await send(address, harness, key, id, 25);
    t.equal(again.status, 200);
    t.equal(again.replayed, 'true');
    t.equal(again.body, body, `${key}: a later retry replays the same bytes from the database`);
  }
  const list = await entries(harness, id);
  t.equal(list.length, 3, 'one ledger entry per key');
  const wallet = await harness.app.inject({ url: `/api/wallets/${id}`, headers: harness.auth('alice') });
  t.equal(wallet.json().data.balance, 75, 'applied exactly once per key');
});

t.test('Redis killed in the middle of a same-key burst: one effect per key, one body per key', async (t) => {
  const port = await freePort();
  const redis = await startRedis(port);
  t.teardown(() => stopRedis(redis));
  const harness = await build(t, { env, redisUrl: `redis://127.0.0.1:${port}` });
  const id = await harness.wallet('alice');
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const keys = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
  const amountOf = (i: number) => 10 + i;
  let answered = 0;
  const burst = keys.map((key, i) =>
    Promise.all(
      Array.from({ length: 6 }, (_, copy) =>
        sleep(i * 8 + copy * 3)
          .then(() => send(address, harness, key, id, amountOf(i)))
          .finally(() => answered++),
      ),
    ),
  );
  while (answered < 6) await sleep(2);
  await stopRedis(redis); // mid-burst: some requests hold a Redis lock, some have not asked yet
  const answeredAtKill = answered;
  const results = await Promise.all(burst);
  t.ok(answeredAtKill < keys.length * 6, `the burst was running when Redis died (${answeredAtKill} answered)`);

  let expected = 0;
  for (const [i, key] of keys.entries()) {
    let body = checkAnswers(t, key, results[i]!);
    // Keys whose copies all met an in-flight marker are retried until they get their final answer.
    for (let attempt = 0; !body && attempt < 100; attempt++) {
      await sleep(100);
      const retry = await send(address, harness, key, id, amountOf(i));
      if (retry.status === 200) body = retry.body;
    }
    t.ok(body, `${key}: a final 200`);
    const again = await send(address, harness, key, id, amountOf(i));
    t.equal(again.body, body, `${key}: retried after the burst, the same bytes`);
    expected += amountOf(i);
  }
  const list = await entries(harness, id);
  t.equal(list.length, keys.length, 'one ledger entry per key, never two');
  t.equal(
    list.reduce((sum, e) => sum + e.amount, 0),
    expected,
    'the entries sum to one credit per key',
  );
  const wallet = await harness.app.inject({ url: `/api/wallets/${id}`, headers: harness.auth('alice') });
  t.equal(wallet.json().data.balance, expected, 'balance = one credit per key');
});
