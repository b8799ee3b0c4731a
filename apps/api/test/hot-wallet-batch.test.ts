// Goal: hot-wallet batching keeps every guarantee over real HTTP: N parallel debits on one wallet
// end with the exact balance and ledger sum, refusals exactly where the money ran out, no 409
// concurrent_modification, and batches really formed. Method: one listening app on PostgreSQL and
// Redis with the production defaults (BALANCE_BATCH_MAX 64, retries 5), parallel fetches, then the
// wallet, its history and the ledger_balance_batch_size histogram on /metrics.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build } from './helper.js';

const env = { RATE_LIMIT_WRITE_MAX: '10000', RATE_LIMIT_MAX: '10000' };
const DEBITS = 80;
const FUNDED = 50;

t.test(`${DEBITS} parallel debits of 1 on a wallet holding ${FUNDED}: exact balance, zero 409s`, async (t) => {
  const harness = await build(t, { env });
  const id = await harness.wallet('alice', 'USD', FUNDED);
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const results = await Promise.all(
    Array.from({ length: DEBITS }, async () => {
      const res = await fetch(`${address}/api/wallets/debit`, {
        method: 'POST',
        headers: { ...harness.auth('alice', { 'idempotency-key': randomUUID() }), 'content-type': 'application/json' },
        body: JSON.stringify({ walletId: id, amount: 1 }),
      });
      const body = (await res.json()) as { error?: { code: string }; code?: string };
      return { status: res.status, code: body.error?.code ?? body.code ?? 'ok' };
    }),
  );
  const counts: Record<string, number> = {};
  for (const result of results)
    counts[`${result.status} ${result.code}`] = (counts[`${result.status} ${result.code}`] ?? 0) + 1;
  t.same(
    counts,
    { '200 ok': FUNDED, '409 insufficient_funds': DEBITS - FUNDED },
    'refused exactly where money ran out',
  );

  const wallet = await harness.app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: harness.auth('alice') });
  t.equal(wallet.json().data.balance, 0, 'final balance');
  t.equal(wallet.json().data.version, 1 + FUNDED, 'one version per entry');
  const history = await harness.app.inject({
    method: 'GET',
    url: `/api/transactions?walletId=${id}&limit=100`,
    headers: harness.auth('alice'),
  });
  const entries = history.json().data as Array<{ type: string; amount: number }>;
  const sum = entries.reduce((total, entry) => total + (entry.type === 'credit' ? entry.amount : -entry.amount), 0);
  t.equal(sum, 0, 'the ledger sums to the balance');
  t.equal(entries.length, 1 + FUNDED, 'the funding credit and one entry per successful debit');

  const metrics = (await harness.app.inject({ method: 'GET', url: '/metrics' })).body;
  const count = Number(/^ledger_balance_batch_size_count (\d+)/m.exec(metrics)?.[1]);
  const alone = Number(/^ledger_balance_batch_size_bucket\{le="1"\} (\d+)/m.exec(metrics)?.[1]);
  t.ok(count > alone, `some store calls carried a batch (${count - alone} of ${count})`);
  t.notMatch(metrics, /^ledger_cas_exhausted_total [1-9]/m, 'no write ran out of retries');
});
