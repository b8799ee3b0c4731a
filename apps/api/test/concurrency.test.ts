// No lost update over real HTTP (DESIGN.md §4.1): concurrent debits, transfers and a mixed storm against one listening app, then balances checked against the successful responses and the ledger entries.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build } from './helper.js';

type Harness = Awaited<ReturnType<typeof build>>;

async function post(address: string, harness: Harness, sub: string, path: string, body: object) {
  const res = await fetch(`${address}${path}`, {
    method: 'POST',
    headers: { ...harness.auth(sub, { 'idempotency-key': randomUUID() }), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { code?: string; data?: { wallet?: { balance: number } } } };
}

async function balanceOf(harness: Harness, sub: string, id: string): Promise<number> {
  const res = await harness.app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: harness.auth(sub) });
  return res.json().data.balance;
}

async function entrySum(harness: Harness, sub: string, id: string): Promise<number> {
  const res = await harness.app.inject({
    method: 'GET',
    url: `/api/transactions?walletId=${id}&limit=100`,
    headers: harness.auth(sub),
  });
  return (res.json().data as Array<{ type: string; amount: number }>).reduce(
    (sum, e) => sum + (e.type === 'credit' || e.type === 'transfer_in' ? e.amount : -e.amount),
    0,
  );
}

const env = { RATE_LIMIT_WRITE_MAX: '10000', RATE_LIMIT_MAX: '10000', LEDGER_RETRY_ATTEMPTS: '20' };

t.test('10 concurrent debits of 800 on 1000: exactly one succeeds, 9 insufficient_funds, balance 200', async (t) => {
  const harness = await build(t, { env });
  const id = await harness.wallet('alice', 'USD', 1000);
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const results = await Promise.all(
    Array.from({ length: 10 }, () =>
      post(address, harness, 'alice', '/api/wallets/debit', { walletId: id, amount: 800 }),
    ),
  );
  t.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
  t.equal(results.filter((r) => r.status === 409 && r.body.code === 'insufficient_funds').length, 9);
  t.equal(await balanceOf(harness, 'alice', id), 200);
  t.equal(await entrySum(harness, 'alice', id), 200, 'balance equals the sum of its entries');
});

t.test('10 concurrent transfers of 800 from 1000: one succeeds, balances 200 / 800', async (t) => {
  const harness = await build(t, { env });
  const from = await harness.wallet('alice', 'USD', 1000);
  const to = await harness.wallet('bob', 'USD');
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const results = await Promise.all(
    Array.from({ length: 10 }, () =>
      post(address, harness, 'alice', '/api/transfers', { fromWalletId: from, toWalletId: to, amount: 800 }),
    ),
  );
  t.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
  t.equal(results.filter((r) => r.body.code === 'insufficient_funds').length, 9);
  t.equal(await balanceOf(harness, 'alice', from), 200);
  t.equal(await balanceOf(harness, 'bob', to), 800);
  const [sumFrom, sumTo] = [await entrySum(harness, 'alice', from), await entrySum(harness, 'bob', to)];
  t.equal(sumFrom, 200, 'source balance = sum of its entries (one transfer_out)');
  t.equal(sumTo, 800, 'destination balance = sum of its entries (one transfer_in)');
  t.equal(sumFrom + sumTo, 1000, 'money conserved');
});

t.test(
  'mixed storm: final balances equal the successful responses, money is conserved, nothing negative',
  async (t) => {
    const harness = await build(t, { env });
    const a = await harness.wallet('alice', 'USD', 500);
    const b = await harness.wallet('bob', 'USD', 500);
    const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
    const ops = Array.from({ length: 40 }, (_, i) => {
      const amount = 37 + (i % 7) * 50;
      const op = (kind: string, wallet: string, sub: string, url: string, payload: Record<string, unknown>) => ({
        kind,
        wallet,
        sub,
        amount,
        call: () => post(address, harness, sub, url, payload),
      });
      switch (i % 4) {
        case 0:
          return op('credit', a, 'alice', '/api/wallets/credit', { walletId: a, amount });
        case 1:
          return op('debit', b, 'bob', '/api/wallets/debit', { walletId: b, amount });
        case 2:
          return op('a->b', a, 'alice', '/api/transfers', { fromWalletId: a, toWalletId: b, amount });
        default:
          return op('b->a', b, 'bob', '/api/transfers', { fromWalletId: b, toWalletId: a, amount });
      }
    });
    const results = await Promise.all(ops.map((op) => op.call()));
    let expectedA = 500;
    let expectedB = 500;
    results.forEach((result, i) => {
      const op = ops[i]!;
      t.ok([200, 409].includes(result.status), `${op.kind}: ${result.status} ${result.body.code ?? ''}`);
      if (result.status !== 200) return;
      if (op.kind === 'credit') expectedA += op.amount;
      if (op.kind === 'debit') expectedB -= op.amount;
      if (op.kind === 'a->b') {
        expectedA -= op.amount;
        expectedB += op.amount;
      }
      if (op.kind === 'b->a') {
        expectedB -= op.amount;
        expectedA += op.amount;
      }
    });
    const balanceA = await balanceOf(harness, 'alice', a);
    const balanceB = await balanceOf(harness, 'bob', b);
    t.equal(balanceA, expectedA, 'alice = sum of successful responses');
    t.equal(balanceB, expectedB, 'bob = sum of successful responses');
    t.ok(balanceA >= 0 && balanceB >= 0);
    t.equal(await entrySum(harness, 'alice', a), balanceA);
    t.equal(await entrySum(harness, 'bob', b), balanceB);
  },
);
