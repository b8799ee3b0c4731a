// Reversals over HTTP (DESIGN.md §3 Reversals, §4.9): partial and whole refunds as `reversal` entries, never more than
// the original under concurrency, the ownership rules (the recipient refunds a transfer, a sender cannot claw back),
// captures into another wallet taken back from it, idempotent replay and bad input. Real PostgreSQL and Redis.
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { build, problemOf } from './helper.js';
import { MONEY_TEST_ENV, entrySum, moneyClient, type Json } from './money-client.js';

type Harness = Awaited<ReturnType<typeof build>>;

const env = MONEY_TEST_ENV;

function client(harness: Harness) {
  const base = moneyClient(harness);
  const { write } = base;
  return {
    ...base,
    reverse: (sub: string, transactionId: string, body: Json = {}, key?: string | null) =>
      write(sub, `/api/transactions/${transactionId}/reverse`, body, key),
    credit: async (sub: string, walletId: string, amount: number): Promise<Json> =>
      (await write(sub, '/api/wallets/credit', { walletId, amount })).json().data.transaction,
  };
}

/** A test's app on the money test env and its reversal client. */
async function setUp(t: Test) {
  const harness = await build(t, { env });
  return { harness, api: client(harness) };
}

/** `setUp`, plus Alice's USD wallet holding 1000 and Bob's empty one: a payer and a recipient. */
async function alicePaysBob(t: Test) {
  const { harness, api } = await setUp(t);
  const alice = await harness.wallet('alice', 'USD', 1000);
  const bob = await harness.wallet('bob', 'USD');
  return { api, alice, bob };
}

t.test('a credit is reversed in parts, then whole; never beyond the original (422)', async (t) => {
  const { harness, api } = await setUp(t);
  const walletId = await harness.wallet('alice', 'USD');
  const credit = await api.credit('alice', walletId, 1000);
  t.equal(credit.reversedAmount, 0, 'a new entry has nothing reversed');

  const part = await api.reverse('alice', credit.id, { amount: 300, metadata: { reason: 'refund' } });
  t.equal(part.statusCode, 200, part.body);
  const data = part.json().data;
  t.match(data.reversal, {
    walletId,
    type: 'reversal',
    amount: 300,
    reversalOf: credit.id,
    balanceBefore: 1000,
    balanceAfter: 700,
    metadata: { reason: 'refund' },
  });
  t.match(data.original, { id: credit.id, type: 'credit', amount: 1000, reversedAmount: 300 });
  t.match(data.wallet, { id: walletId, balance: 700, availableBalance: 700 });

  const rest = await harness.app.inject({
    method: 'POST',
    url: `/api/transactions/${credit.id}/reverse`,
    headers: harness.auth('alice', { 'idempotency-key': randomUUID() }),
  }); // no body at all: {}
  t.equal(rest.statusCode, 200, rest.body);
  t.match(rest.json().data.reversal, { amount: 700, balanceAfter: 0 }, 'the default is all that is left');
  t.match(rest.json().data.original, { reversedAmount: 1000 });
  const beyond = await api.reverse('alice', credit.id, { amount: 1 });
  t.equal(beyond.statusCode, 422);
  t.equal(problemOf(beyond).code, 'reversal_exceeds_original');
  const entries = await api.entries('alice', walletId);
  t.equal(entries.length, 3);
  t.equal(entrySum(entries), 0);
  t.equal(entries.find((e) => e.id === credit.id)?.reversedAmount, 1000, 'history shows the reversed amount');

  const reversalId = entries[0]!.id;
  const ofReversal = await api.reverse('alice', reversalId);
  t.equal(ofReversal.statusCode, 422);
  t.equal(problemOf(ofReversal).code, 'not_reversible', 'a reversal is not reversible');
});

t.test('a debit is reversed back into the wallet', async (t) => {
  const { harness, api } = await setUp(t);
  const walletId = await harness.wallet('alice', 'USD', 1000);
  const debit = (await api.write('alice', '/api/wallets/debit', { walletId, amount: 400 })).json().data.transaction;
  const reversed = await api.reverse('alice', debit.id, { amount: 150 });
  t.equal(reversed.statusCode, 200, reversed.body);
  t.match(reversed.json().data.reversal, { type: 'reversal', amount: 150, balanceBefore: 600, balanceAfter: 750 });
  t.match(await api.wallet('alice', walletId), { balance: 750 });
  t.equal(entrySum(await api.entries('alice', walletId)), 750);
});

t.test('transfers: the recipient refunds, the sender cannot claw back; foreign entries are 404', async (t) => {
  const { api, alice, bob } = await alicePaysBob(t);
  const transfer = (
    await api.write('alice', '/api/transfers', { fromWalletId: alice, toWalletId: bob, amount: 400 })
  ).json().data;

  const clawBack = await api.reverse('alice', transfer.debit.id);
  t.equal(clawBack.statusCode, 422);
  t.equal(problemOf(clawBack).code, 'not_reversible', 'a transfer_out is not reversible');
  const notTheirs = await api.reverse('alice', transfer.credit.id);
  t.equal(notTheirs.statusCode, 404);
  t.equal(problemOf(notTheirs).code, 'transaction_not_found', "the sender cannot touch the recipient's entry");
  const missing = await api.reverse('alice', randomUUID());
  t.equal(problemOf(missing).code, 'transaction_not_found');
  t.equal(
    notTheirs.body.replace(/"requestId":"[^"]+"/, ''),
    missing.body.replace(/"requestId":"[^"]+"/, ''),
    "another user's entry looks exactly like a missing one",
  );
  t.match(await api.wallet('bob', bob), { balance: 400 }, 'refusals changed nothing');

  const refund = await api.reverse('bob', transfer.credit.id, { amount: 150 });
  t.equal(refund.statusCode, 200, refund.body);
  t.match(refund.json().data.reversal, {
    walletId: bob,
    type: 'reversal',
    amount: 150,
    reversalOf: transfer.credit.id,
  });
  t.match(refund.json().data.wallet, { id: bob, balance: 250 });
  t.match(await api.wallet('alice', alice), { balance: 750 }, 'the money went back to the source');
  t.equal(entrySum(await api.entries('alice', alice)), 750);
  t.equal(entrySum(await api.entries('bob', bob)), 250);
});

t.test('a capture into another wallet is reversed from that wallet; capture_in by its recipient', async (t) => {
  const { api, alice, bob } = await alicePaysBob(t);
  const hold = (await api.write('alice', '/api/holds', { walletId: alice, amount: 500 })).json().data.hold;
  const captured = (await api.write('alice', `/api/holds/${hold.id}/capture`, { toWalletId: bob })).json().data;

  const byPayer = await api.reverse('alice', captured.transaction.id, { amount: 200 });
  t.equal(byPayer.statusCode, 200, byPayer.body);
  t.match(await api.wallet('alice', alice), { balance: 700 });
  t.match(await api.wallet('bob', bob), { balance: 300 }, 'taken back from the destination');

  const byRecipient = await api.reverse('bob', captured.credit.id, { amount: 100 });
  t.equal(byRecipient.statusCode, 200, byRecipient.body);
  t.match(await api.wallet('alice', alice), { balance: 800 });
  t.match(await api.wallet('bob', bob), { balance: 200 });
  t.equal(problemOf(await api.reverse('bob', captured.transaction.id)).code, 'transaction_not_found');

  // 200 + 100 of the 500 are back; the two sides of one capture share that bound.
  const beyond = await api.reverse('alice', captured.transaction.id, { amount: 300 });
  t.equal(problemOf(beyond).code, 'reversal_exceeds_original', 'both sides together never exceed the capture');
  t.equal((await api.reverse('alice', captured.transaction.id, { amount: 200 })).statusCode, 200);
  t.match(await api.wallet('alice', alice), { balance: 1000 });
  t.match(await api.wallet('bob', bob), { balance: 0 });
  t.equal(entrySum(await api.entries('alice', alice)), 1000);
  t.equal(entrySum(await api.entries('bob', bob)), 0);
});

t.test('a reversal cannot dig into held money: 409 insufficient_funds', async (t) => {
  const { harness, api } = await setUp(t);
  const walletId = await harness.wallet('alice', 'USD');
  const credit = await api.credit('alice', walletId, 1000);
  t.equal((await api.write('alice', '/api/holds', { walletId, amount: 800 })).statusCode, 201);
  const refused = await api.reverse('alice', credit.id, { amount: 500 });
  t.equal(refused.statusCode, 409);
  t.equal(problemOf(refused).code, 'insufficient_funds');
  t.match(await api.wallet('alice', walletId), { balance: 1000, heldBalance: 800 });
  t.equal((await api.reverse('alice', credit.id, { amount: 200 })).statusCode, 200, 'the available part can go back');
  t.match(await api.wallet('alice', walletId), { balance: 800, heldBalance: 800, availableBalance: 0 });
});

t.test('10 concurrent partial reversals over HTTP never exceed the original', async (t) => {
  const { harness, api } = await setUp(t);
  const walletId = await harness.wallet('alice', 'USD', 500);
  const credit = await api.credit('alice', walletId, 1000);
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const results = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const response = await fetch(`${address}/api/transactions/${credit.id}/reverse`, {
        method: 'POST',
        headers: { ...harness.auth('alice', { 'idempotency-key': randomUUID() }), 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 150 }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    }),
  );
  const statuses = results.map((r) => r.status).join(',');
  t.equal(results.filter((r) => r.status === 200).length, 6, `6 × 150 fit in 1000: ${statuses}`);
  t.equal(results.filter((r) => r.body.code === 'reversal_exceeds_original').length, 4);
  const entries = await api.entries('alice', walletId);
  t.equal(entries.find((e) => e.id === credit.id)?.reversedAmount, 900);
  t.equal(entries.filter((e) => e.type === 'reversal').length, 6);
  t.match(await api.wallet('alice', walletId), { balance: 600 });
  t.equal(entrySum(entries), 600);
});

t.test('idempotent replay, key reuse, remembered refusals and bad input', async (t) => {
  const { harness, api } = await setUp(t);
  const walletId = await harness.wallet('alice', 'USD');
  const credit = await api.credit('alice', walletId, 1000);

  const first = await api.reverse('alice', credit.id, { amount: 100 }, 'refund-1');
  const replay = await api.reverse('alice', credit.id, { amount: 100 }, 'refund-1');
  t.equal(replay.statusCode, 200);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(replay.body, first.body, 'byte-identical');
  t.equal(problemOf(await api.reverse('alice', credit.id, { amount: 101 }, 'refund-1')).code, 'idempotency_key_reused');
  t.match(await api.wallet('alice', walletId), { balance: 900 }, 'one effect');

  const tooMuch = await api.reverse('alice', credit.id, { amount: 5000 }, 'refund-2');
  t.equal(problemOf(tooMuch).code, 'reversal_exceeds_original');
  const tooMuchAgain = await api.reverse('alice', credit.id, { amount: 5000 }, 'refund-2');
  t.equal(tooMuchAgain.headers['idempotent-replayed'], 'true', 'reversal_exceeds_original is remembered');
  t.equal(tooMuchAgain.body, tooMuch.body);
  t.equal(problemOf(await api.reverse('alice', credit.id, {}, null)).code, 'idempotency_key_required');

  for (const body of [{ amount: 0 }, { amount: -1 }, { amount: 1.5 }, { amount: '10' }, { extra: true }]) {
    const response = await api.reverse('alice', credit.id, body);
    t.equal(response.statusCode, 400, JSON.stringify(body));
    t.equal(problemOf(response).code, 'validation_failed');
  }
  for (const id of ['not-a-uuid', `${credit.id}0`]) {
    t.equal(problemOf(await api.reverse('alice', id)).code, 'validation_failed', id);
  }
  t.match(await api.wallet('alice', walletId), { balance: 900 }, 'bad input changed nothing');
});
