// Goal: the client keeps DESIGN's promise against the real API: a write whose reply is lost
// after the server committed resolves once, to the body the first attempt would have had,
// with one ledger entry; concurrent debits through the client stay exact; a dead path gives
// up within the deadline with a retryable error; refusals arrive as WalletApiError.
// Method: the real app (apps/api/test/helper.ts: PostgreSQL schema + Redis prefix of its own)
// listening on a real port, reached through a TCP proxy of this test that loses replies.
import t from 'tap';
import { WalletApiError, WalletClient, type BalanceResult } from '@wallet/client';
import { freePort, type TeardownHost, type TestApp } from '../../../apps/api/test/helper.js';
import { blackhole, bodyOf, lossyProxy } from './tcp-proxy.js';
import { allAtOnce, clientFor, listening } from './helper.js';

/** A listening app behind a proxy that swallows the first `lost` replies (closed at teardown). */
async function behindLossyProxy(t: TeardownHost, lost: number) {
  const { api, port } = await listening(t);
  const proxy = await lossyProxy(port, lost);
  t.teardown(() => proxy.close());
  return { api, port, proxy };
}

/** The wallet's balance and the sum of its ledger entries, read past the proxy. */
async function books(
  api: TestApp,
  sub: string,
  walletId: string,
): Promise<{ balance: number; sum: number; entries: number }> {
  const direct = new WalletClient({
    baseUrl: `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`,
    token: api.token(sub),
  });
  const wallet = await direct.wallets.get(walletId);
  let sum = 0;
  let entries = 0;
  for await (const entry of direct.transactions.iterate({ walletId, limit: 100 })) {
    sum += entry.type === 'credit' || entry.type === 'transfer_in' ? entry.amount : -entry.amount;
    entries += 1;
  }
  return { balance: wallet.balance, sum, entries };
}

t.test('a lost reply after commit: one resolution, the first attempt\u2019s body, one effect', async (t) => {
  const { api, proxy } = await behindLossyProxy(t, 1);
  const walletId = await api.wallet('alice', 'USD', 1000);
  const client = clientFor(api, proxy.port, 'alice');
  const seen: Array<{ status: number; replayed: boolean; key: string | undefined }> = [];
  const result = await client.wallets.debit(
    { walletId, amount: 300, metadata: { order: 'o-1' } },
    { onResponse: (info) => seen.push({ status: info.status, replayed: info.replayed, key: info.idempotencyKey }) },
  );
  t.equal(proxy.lost.length, 1, 'the first reply was swallowed');
  const firstBody = bodyOf(proxy.lost[0]!) as { data: BalanceResult };
  t.same(result, firstBody.data, 'resolves to exactly what the first attempt answered');
  t.same(
    seen.map(({ status, replayed }) => ({ status, replayed })),
    [{ status: 200, replayed: true }],
    'the only answer that arrived is the replay',
  );
  t.same(await books(api, 'alice', walletId), { balance: 700, sum: 700, entries: 2 }, 'one debit entry, not two');
});

t.test('a lost wallet creation resolves to the wallet it created, and only one exists', async (t) => {
  const { api, port, proxy } = await behindLossyProxy(t, 1);
  const wallet = await clientFor(api, proxy.port, 'bob').wallets.create({ currency: 'EUR' });
  t.same(wallet, (bodyOf(proxy.lost[0]!) as { data: unknown }).data);
  const { data } = await clientFor(api, port, 'bob').wallets.list();
  t.equal(data.length, 1);
});

t.test('10 concurrent debits through the client (4 replies lost) stay exact', async (t) => {
  const { api, proxy } = await behindLossyProxy(t, 4);
  const walletId = await api.wallet('carol', 'USD', 1000);
  const client = clientFor(api, proxy.port, 'carol');
  const { values: succeeded, errors: refused } = await allAtOnce(10, () =>
    client.wallets.debit({ walletId, amount: 300 }),
  );
  t.equal(proxy.lost.length, 4, 'four replies were lost and recovered by retries');
  t.equal(succeeded.length, 3, 'exactly three debits of 300 fit in 1000');
  t.equal(refused.length, 7);
  for (const error of refused)
    t.match(error, { name: 'WalletApiError', status: 409, code: 'insufficient_funds', retryable: false });
  const transactionIds = new Set(succeeded.map((result) => result.transactionId));
  t.equal(transactionIds.size, 3, 'three distinct entries');
  t.same(await books(api, 'carol', walletId), { balance: 100, sum: 100, entries: 4 });
});

t.test('refusals are WalletApiError with the problem fields; If-Match is honoured', async (t) => {
  const { api, port } = await listening(t);
  const walletId = await api.wallet('dave', 'USD', 100);
  const client = clientFor(api, port, 'dave');
  const overdraw = (await client.wallets
    .debit({ walletId, amount: 500 })
    .catch((error: unknown) => error)) as WalletApiError;
  t.ok(overdraw instanceof WalletApiError);
  t.match(overdraw, { status: 409, code: 'insufficient_funds', retryable: false, attempts: 1 });
  t.match(overdraw.requestId, /\S/);
  t.match(overdraw.detail, /\S/);
  const wallet = await client.wallets.get(walletId);
  await t.rejects(client.wallets.credit({ walletId, amount: 1 }, { ifMatch: wallet.version + 1 }), {
    status: 412,
    code: 'version_mismatch',
  });
  const credited = await client.wallets.credit({ walletId, amount: 1 }, { ifMatch: wallet.version });
  t.equal(credited.wallet.balance, 101);
  await t.rejects(client.wallets.get('00000000-0000-4000-8000-000000000000'), {
    status: 404,
    code: 'wallet_not_found',
  });
});

t.test('a dead path gives up within the deadline with a retryable error', async (t) => {
  const { api } = await listening(t);
  const closedPort = await freePort();
  const hole = await blackhole();
  t.teardown(() => hole.close());
  for (const [name, port, code] of [
    ['closed port', closedPort, 'network_error'],
    ['black hole', hole.port, 'timeout'],
  ] as const) {
    const client = clientFor(api, port, 'erin', { timeoutMs: 1_500, attemptTimeoutMs: 300, maxRetries: 50 });
    const startMs = Date.now();
    const error = (await client.wallets
      .credit({ walletId: '00000000-0000-4000-8000-000000000000', amount: 1 })
      .catch((caught: unknown) => caught)) as WalletApiError;
    const elapsedMs = Date.now() - startMs;
    t.ok(error instanceof WalletApiError, name);
    t.match(error, { status: 0, code, retryable: true }, name);
    t.ok(error.attempts > 1, `${name}: retried (${error.attempts} attempts)`);
    t.ok(elapsedMs <= 1_500 + 200, `${name}: gave up after ${elapsedMs} ms`);
  }
});

t.test(
  'the same key sent twice at once: both calls resolve to one effect (in-flight 409s are waited out)',
  async (t) => {
    const { api, port } = await listening(t);
    const walletId = await api.wallet('frank', 'USD', 1000);
    const client = clientFor(api, port, 'frank');
    const statuses: number[] = [];
    const options = {
      idempotencyKey: `order-${walletId}`,
      onResponse: (info: { status: number }) => statuses.push(info.status),
    };
    const calls = await Promise.all(
      Array.from({ length: 5 }, () => client.wallets.debit({ walletId, amount: 100 }, options)),
    );
    t.equal(new Set(calls.map((call) => call.transactionId)).size, 1, 'one transaction for all five calls');
    t.ok(
      statuses.every((status) => status === 200 || status === 409),
      `answers seen: ${statuses.join(' ')}`,
    );
    t.same(await books(api, 'frank', walletId), { balance: 900, sum: 900, entries: 2 });
  },
);
