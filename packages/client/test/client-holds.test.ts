// Goal: the client's holds, captures, voids, reversals and paged wallet list do what DESIGN §3
// and §6 promise against the real API: a partial capture releases the rest, a capture can pay
// another wallet, refusals (hold_not_active, capture_exceeds_hold, reversal_exceeds_original)
// are final WalletApiErrors, a capture whose reply is lost after commit resolves once to the
// first attempt's body with one effect, 10 concurrent captures of one hold have one winner
// and exact books, and the wallet list reaches all of 105 wallets.
// Method: the real app (apps/api/test/helper.ts: PostgreSQL schema + Redis prefix of its own)
// listening on a real port, some calls through this test's TCP proxy that loses replies.
import t from 'tap';
import { WalletApiError, WalletClient, type CaptureResult, type Transaction } from '@wallet/client';
import { bodyOf, lossyProxy } from './tcp-proxy.js';
import { allAtOnce, clientFor, listening } from './helper.js';

const SIGN: Record<Exclude<Transaction['type'], 'reversal'>, 1 | -1> = {
  credit: 1,
  transfer_in: 1,
  capture_in: 1,
  debit: -1,
  transfer_out: -1,
  capture: -1,
};

/**
 * The wallet as the API shows it and its ledger added up from the entries' types and amounts
 * (a reversal counts against the entry it reverses, which is on the same wallet); `chained`
 * says whether every entry's balanceAfter - balanceBefore is that signed amount.
 */
async function books(client: WalletClient, walletId: string) {
  const wallet = await client.wallets.get(walletId);
  const entries: Transaction[] = [];
  for await (const entry of client.transactions.iterate({ walletId, limit: 100 })) entries.push(entry);
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const signOf = (entry: Transaction): number => {
    if (entry.type !== 'reversal') return SIGN[entry.type];
    const original = byId.get(entry.reversalOf ?? '');
    return original ? -signOf(original) : Number.NaN;
  };
  const signed = entries.map((entry) => signOf(entry) * entry.amount);
  return {
    balance: wallet.balance,
    heldBalance: wallet.heldBalance,
    availableBalance: wallet.availableBalance,
    sum: signed.reduce((total, amount) => total + amount, 0),
    entries: entries.length,
    chained: entries.every((entry, index) => entry.balanceAfter - entry.balanceBefore === signed[index]),
  };
}

async function refusal(call: Promise<unknown>): Promise<WalletApiError> {
  const error = await call.then(
    () => new Error('expected a refusal'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof WalletApiError)) throw error;
  return error;
}

t.test('create, get, partial capture releasing the rest, capture into another wallet, void', async (t) => {
  const { api, port } = await listening(t);
  const alice = await api.wallet('alice', 'USD', 1000);
  const bob = await api.wallet('bob', 'USD');
  const client = clientFor(api, port, 'alice');

  const placed = await client.holds.create({ walletId: alice, amount: 800, metadata: { order: 'o-7' } });
  t.match(placed.hold, {
    walletId: alice,
    amount: 800,
    capturedAmount: 0,
    status: 'active',
    metadata: { order: 'o-7' },
  });
  t.match(placed.wallet, { id: alice, balance: 1000, heldBalance: 800, availableBalance: 200 });
  t.same(await client.holds.get(placed.hold.id), placed.hold, 'get shows the hold as created');
  const overdraw = await refusal(client.wallets.debit({ walletId: alice, amount: 300 }));
  t.match(overdraw, { status: 409, code: 'insufficient_funds', retryable: false }, 'the held 800 cannot be spent');
  const tooMuch = await refusal(client.holds.capture(placed.hold.id, { amount: 801 }));
  t.match(tooMuch, { status: 422, code: 'capture_exceeds_hold', retryable: false, attempts: 1 });

  const captured = await client.holds.capture(placed.hold.id, { amount: 500 });
  t.match(captured.hold, { status: 'captured', amount: 800, capturedAmount: 500 });
  t.match(captured.transaction, { type: 'capture', amount: 500, holdId: placed.hold.id, balanceAfter: 500 });
  t.match(captured.wallet, { balance: 500, heldBalance: 0, availableBalance: 500 }, 'the other 300 are released');
  t.notOk(captured.credit, 'no destination, no capture_in entry');
  const again = await refusal(client.holds.capture(placed.hold.id));
  t.match(again, { status: 409, code: 'hold_not_active', retryable: false, attempts: 1 }, 'captured once only');
  t.match(await refusal(client.holds.void(placed.hold.id)), { code: 'hold_not_active' });

  const payment = await client.holds.create({ walletId: alice, amount: 200 });
  const paid = await client.holds.capture(payment.hold.id, { toWalletId: bob, metadata: { invoice: 'i-1' } });
  t.match(paid.transaction, { walletId: alice, type: 'capture', amount: 200 }, 'the whole hold by default');
  t.match(paid.credit, { walletId: bob, type: 'capture_in', amount: 200, holdId: payment.hold.id });
  t.match(await clientFor(api, port, 'bob').wallets.get(bob), { balance: 200 }, 'bob was paid atomically');

  const released = await client.holds.create({ walletId: alice, amount: 250 });
  t.match(released.wallet, { heldBalance: 250, availableBalance: 50 });
  const voided = await client.holds.void(released.hold.id, { metadata: { reason: 'cancelled' } });
  t.match(voided.hold, { id: released.hold.id, status: 'voided', capturedAmount: 0 });
  t.match(voided.wallet, { balance: 300, heldBalance: 0, availableBalance: 300 });
  t.match(await refusal(client.holds.capture(released.hold.id)), { status: 409, code: 'hold_not_active' });
  t.match(await refusal(clientFor(api, port, 'bob').holds.get(released.hold.id)), {
    status: 404,
    code: 'hold_not_found',
    retryable: false,
  });
  t.match(await books(client, alice), { balance: 300, heldBalance: 0, sum: 300, entries: 3, chained: true });
});

t.test('holds.list pages by status, newest first; holds.iterate reaches every one', async (t) => {
  const { api, port } = await listening(t);
  const walletId = await api.wallet('carol', 'USD', 10_000);
  const client = clientFor(api, port, 'carol');
  const ids: string[] = [];
  for (let index = 0; index < 7; index++) ids.push((await client.holds.create({ walletId, amount: 100 })).hold.id);
  await client.holds.void(ids[1]!);
  await client.holds.void(ids[4]!);
  await client.holds.capture(ids[5]!, { amount: 40 });
  const active = [ids[6], ids[3], ids[2], ids[0]];

  const first = await client.holds.list({ walletId, status: 'active', limit: 3 });
  t.same(
    first.data.map((hold) => hold.id),
    active.slice(0, 3),
    'first page: the newest three active holds',
  );
  t.type(first.nextCursor, 'string');
  const second = await client.holds.list({ walletId, status: 'active', limit: 3, cursor: first.nextCursor! });
  t.same(
    second.data.map((hold) => hold.id),
    active.slice(3),
  );
  t.equal(second.nextCursor, null, 'the last page says so');

  const walk = async (status?: 'voided' | 'captured'): Promise<string[]> => {
    const seen: string[] = [];
    for await (const hold of client.holds.iterate({ walletId, limit: 2, ...(status ? { status } : {}) }))
      seen.push(hold.id);
    return seen;
  };
  t.same(await walk('voided'), [ids[4], ids[1]]);
  t.same(await walk('captured'), [ids[5]]);
  t.same(await walk(), [...ids].reverse(), 'every hold once, newest first, across four pages');
  t.match(await books(client, walletId), { balance: 9960, heldBalance: 400, availableBalance: 9560, sum: 9960 });
});

t.test('transactions.reverse: partial, then the rest; beyond the original is a final 422', async (t) => {
  const { api, port } = await listening(t);
  const walletId = await api.wallet('dave', 'USD');
  const client = clientFor(api, port, 'dave');
  const { transaction: credit } = await client.wallets.credit({ walletId, amount: 1000 });

  const partial = await client.transactions.reverse(credit.id, { amount: 300, metadata: { reason: 'refund' } });
  t.match(partial.reversal, { type: 'reversal', amount: 300, reversalOf: credit.id, balanceAfter: 700 });
  t.match(partial.original, { id: credit.id, reversedAmount: 300 });
  t.match(partial.wallet, { balance: 700 });
  const rest = await client.transactions.reverse(credit.id);
  t.match(rest.reversal, { amount: 700, balanceAfter: 0 }, 'the default is all that is left');
  t.match(rest.original, { reversedAmount: 1000 });
  const beyond = await refusal(client.transactions.reverse(credit.id, { amount: 1 }));
  t.ok(beyond instanceof WalletApiError);
  t.match(beyond, { status: 422, code: 'reversal_exceeds_original', retryable: false, attempts: 1 });
  t.match(beyond.requestId, /\S/);
  t.match(await refusal(client.transactions.reverse(rest.reversal.id)), { status: 422, code: 'not_reversible' });

  // A refund of a capture into another wallet takes the money back from the destination.
  const erin = await api.wallet('erin', 'USD');
  await client.wallets.credit({ walletId, amount: 500 });
  const { hold } = await client.holds.create({ walletId, amount: 500 });
  const paid = await client.holds.capture(hold.id, { toWalletId: erin });
  const refund = await client.transactions.reverse(paid.transaction.id, { amount: 200 });
  t.match(refund.wallet, { id: walletId, balance: 200 });
  const erinClient = clientFor(api, port, 'erin');
  t.match(await books(erinClient, erin), { balance: 300, sum: 300, entries: 2, chained: true });
  t.match(await books(client, walletId), { balance: 200, sum: 200, entries: 6, chained: true });
});

t.test('a capture whose reply is lost after commit: one resolution, the first body, one effect', async (t) => {
  const { api, port } = await listening(t);
  const alice = await api.wallet('alice', 'USD', 1000);
  const bob = await api.wallet('bob', 'USD');
  const direct = clientFor(api, port, 'alice');
  const { hold } = await direct.holds.create({ walletId: alice, amount: 600 });
  const proxy = await lossyProxy(port, 1);
  t.teardown(() => proxy.close());
  const seen: Array<{ status: number; replayed: boolean }> = [];
  const result = await clientFor(api, proxy.port, 'alice').holds.capture(
    hold.id,
    { amount: 450, toWalletId: bob },
    { onResponse: ({ status, replayed }) => seen.push({ status, replayed }) },
  );
  t.equal(proxy.lost.length, 1, 'the first reply was swallowed');
  t.same(result, (bodyOf(proxy.lost[0]!) as { data: CaptureResult }).data, 'resolves to the first answer');
  t.same(seen, [{ status: 200, replayed: true }], 'the only answer that arrived is the replay');
  t.match(await direct.holds.get(hold.id), { status: 'captured', capturedAmount: 450 });
  t.match(await books(direct, alice), { balance: 550, heldBalance: 0, sum: 550, entries: 2, chained: true });
  t.match(await books(clientFor(api, port, 'bob'), bob), { balance: 450, sum: 450, entries: 1 }, 'one capture_in');
});

t.test('10 concurrent captures of one hold through the client (3 replies lost): one winner', async (t) => {
  const { api, port } = await listening(t);
  const walletId = await api.wallet('frank', 'USD', 1000);
  const direct = clientFor(api, port, 'frank');
  const { hold } = await direct.holds.create({ walletId, amount: 800 });
  const proxy = await lossyProxy(port, 3);
  t.teardown(() => proxy.close());
  const client = clientFor(api, proxy.port, 'frank');
  const { values: won, errors: lost } = await allAtOnce(10, () => client.holds.capture(hold.id));
  t.equal(proxy.lost.length, 3, 'three replies were lost and recovered by retries');
  t.equal(won.length, 1, 'exactly one capture succeeds');
  t.equal(lost.length, 9);
  for (const error of lost)
    t.match(error, { name: 'WalletApiError', status: 409, code: 'hold_not_active', retryable: false });
  t.match(won[0]?.hold, { status: 'captured', capturedAmount: 800 });
  t.match(await books(direct, walletId), {
    balance: 200,
    heldBalance: 0,
    availableBalance: 200,
    sum: 200,
    entries: 2,
    chained: true,
  });
});

const currencyAt = (index: number): string =>
  [Math.floor(index / 676), Math.floor(index / 26), index]
    .map((value) => String.fromCharCode(65 + (value % 26)))
    .join('');

t.test('wallets.list pages 105 wallets; wallets.iterate reaches every one once', async (t) => {
  const { api, port } = await listening(t);
  const client = clientFor(api, port, 'paula');
  const created: string[] = [];
  for (let start = 0; start < 105; start += 15) {
    const batch = Array.from({ length: 15 }, (_, offset) => currencyAt(start + offset));
    created.push(...(await Promise.all(batch.map(async (currency) => (await client.wallets.create({ currency })).id))));
  }
  await api.wallet('quentin', 'USD');

  const first = await client.wallets.list();
  t.equal(first.data.length, 100, 'the default page is 100');
  t.type(first.nextCursor, 'string');
  const last = await client.wallets.list({ cursor: first.nextCursor! });
  t.equal(last.data.length, 5);
  t.equal(last.nextCursor, null);
  const paged = [...first.data, ...last.data].map((wallet) => wallet.id);
  t.same([...paged].sort(), [...created].sort(), 'two pages: every wallet of paula, and only hers');

  const walked: string[] = [];
  for await (const wallet of client.wallets.iterate({ limit: 8 })) walked.push(wallet.id);
  t.equal(walked.length, 105, 'fourteen pages of 8');
  t.equal(new Set(walked).size, 105, 'none twice');
  t.same([...walked].sort(), [...created].sort());
  await t.rejects(client.wallets.list({ limit: 101 }), { status: 400, code: 'validation_failed', retryable: false });
});
