import type { Test } from 'tap';
import { AMOUNT_MAX_MINOR_DEFAULT, BALANCE_MAX_MINOR } from '../money.js';
import type { BalanceResult, TransferResult, Wallet } from '../types.js';
import { newService, storeCases, type StoreSource } from './harness.js';
import { callerOf, credit, dataOf, fundedWallet, newKey, newUser, openWallet, thrownCode } from './service-calls.js';
import { checkWalletLedger } from './ledger-checks.js';
import { countLabels, settleAll } from './race-harness.js';

/** Client compare-and-swap, money limits and ownership rules, each refusal changing nothing. */
export function rulesCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  storeCase('client CAS: a stale expectedVersion is refused, a current one applies', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 500);
    const other = await fundedWallet(service, 0);
    t.equal(wallet.version, 1);
    for (const stale of [0, 2, 99]) {
      t.equal(
        await thrownCode(
          service.debit(
            callerOf(userId),
            { walletId: wallet.id, amount: 10 },
            { idempotencyKey: newKey(), expectedVersion: stale },
          ),
        ),
        'version_mismatch',
        `expectedVersion ${stale} against version 1`,
      );
    }
    t.equal(
      await thrownCode(
        service.transfer(
          callerOf(userId),
          { fromWalletId: wallet.id, toWalletId: other.wallet.id, amount: 10 },
          { idempotencyKey: newKey(), expectedVersion: 5 },
        ),
      ),
      'version_mismatch',
      'a transfer checks the source version',
    );
    t.same(await service.getWallet(userId, wallet.id), wallet, 'nothing changed');
    t.equal((await service.getWallet(other.userId, other.wallet.id)).version, 0);

    const applied = dataOf<BalanceResult>(
      await service.debit(
        callerOf(userId),
        { walletId: wallet.id, amount: 10 },
        { idempotencyKey: newKey(), expectedVersion: 1 },
      ),
    );
    t.equal(applied.wallet.version, 2);
    t.equal(applied.wallet.balance, 490);
    const moved = dataOf<TransferResult>(
      await service.transfer(
        callerOf(userId),
        { fromWalletId: wallet.id, toWalletId: other.wallet.id, amount: 90 },
        { idempotencyKey: newKey(), expectedVersion: 2 },
      ),
    );
    t.equal(moved.debit.balanceAfter, 400);
    await checkWalletLedger(t, store, await service.getWallet(userId, wallet.id));
  });

  storeCase('limits: a balance may reach but never pass Number.MAX_SAFE_INTEGER', async ({ store }, t) => {
    // A service allowing huge single amounts reaches the balance ceiling in two credits.
    const service = newService(store, { maxAmountMinor: BALANCE_MAX_MINOR });
    const { userId, wallet } = await fundedWallet(service, BALANCE_MAX_MINOR - 5);
    const over = await service.credit(
      callerOf(userId),
      { walletId: wallet.id, amount: 6 },
      { idempotencyKey: newKey() },
    );
    t.equal(over.statusCode, 422);
    t.match(over.body, { error: { code: 'balance_limit_exceeded' } });
    t.equal((await service.getWallet(userId, wallet.id)).balance, BALANCE_MAX_MINOR - 5, 'unchanged');

    const sender = await fundedWallet(service, 100);
    const refused = await service.transfer(
      callerOf(sender.userId),
      { fromWalletId: sender.wallet.id, toWalletId: wallet.id, amount: 6 },
      { idempotencyKey: newKey() },
    );
    t.equal(refused.statusCode, 422, 'a transfer that would overflow the destination is refused');
    t.match(refused.body, { error: { code: 'balance_limit_exceeded' } });
    t.equal((await service.getWallet(sender.userId, sender.wallet.id)).balance, 100, 'the source is unchanged');

    const exact = dataOf<BalanceResult>(
      await service.credit(callerOf(userId), { walletId: wallet.id, amount: 5 }, { idempotencyKey: newKey() }),
    );
    t.equal(exact.wallet.balance, BALANCE_MAX_MINOR, 'exactly the ceiling is allowed');
    await checkWalletLedger(t, store, exact.wallet);
  });

  storeCase('limits: bad amounts are validation_failed and change nothing', async ({ service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const peer = await fundedWallet(service, 0);
    const bad: unknown[] = [
      0,
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '100',
      null,
      AMOUNT_MAX_MINOR_DEFAULT + 1,
      BALANCE_MAX_MINOR + 1,
    ];
    for (const amount of bad) {
      const label = `amount ${String(amount)} (${typeof amount})`;
      const value = amount as number;
      t.equal(
        await thrownCode(
          service.credit(callerOf(userId), { walletId: wallet.id, amount: value }, { idempotencyKey: newKey() }),
        ),
        'validation_failed',
        `credit ${label}`,
      );
      t.equal(
        await thrownCode(
          service.debit(callerOf(userId), { walletId: wallet.id, amount: value }, { idempotencyKey: newKey() }),
        ),
        'validation_failed',
        `debit ${label}`,
      );
      t.equal(
        await thrownCode(
          service.transfer(
            callerOf(userId),
            { fromWalletId: wallet.id, toWalletId: peer.wallet.id, amount: value },
            { idempotencyKey: newKey() },
          ),
        ),
        'validation_failed',
        `transfer ${label}`,
      );
    }
    t.same(await service.getWallet(userId, wallet.id), wallet, 'nothing changed');
    const largest = await service.credit(
      callerOf(userId),
      { walletId: wallet.id, amount: AMOUNT_MAX_MINOR_DEFAULT },
      { idempotencyKey: newKey() },
    );
    t.equal(largest.statusCode, 200, 'MAX_AMOUNT itself is fine');
  });

  storeCase('rules: same wallet, currency mismatch, ownership', async ({ service }, t) => {
    const alice = await fundedWallet(service, 1000);
    const aliceEur = await openWallet(service, alice.userId, 'EUR');
    const bob = await fundedWallet(service, 50);
    const call = { idempotencyKey: newKey() };
    t.equal(
      await thrownCode(
        service.transfer(
          callerOf(alice.userId),
          { fromWalletId: alice.wallet.id, toWalletId: alice.wallet.id, amount: 1 },
          call,
        ),
      ),
      'same_wallet',
    );

    const mismatch = await service.transfer(
      callerOf(alice.userId),
      { fromWalletId: alice.wallet.id, toWalletId: aliceEur.id, amount: 1 },
      { idempotencyKey: newKey() },
    );
    t.equal(mismatch.statusCode, 422);
    t.match(mismatch.body, { error: { code: 'currency_mismatch' } });

    const missing = '00000000-0000-4000-8000-000000000000';
    const notFound = [
      [
        "credit on another user's wallet",
        () =>
          service.credit(callerOf(alice.userId), { walletId: bob.wallet.id, amount: 1 }, { idempotencyKey: newKey() }),
      ],
      [
        "debit on another user's wallet",
        () =>
          service.debit(callerOf(alice.userId), { walletId: bob.wallet.id, amount: 1 }, { idempotencyKey: newKey() }),
      ],
      [
        "transfer from another user's wallet",
        () =>
          service.transfer(
            callerOf(alice.userId),
            { fromWalletId: bob.wallet.id, toWalletId: alice.wallet.id, amount: 1 },
            { idempotencyKey: newKey() },
          ),
      ],
      [
        'credit on a missing wallet',
        () => service.credit(callerOf(alice.userId), { walletId: missing, amount: 1 }, { idempotencyKey: newKey() }),
      ],
      [
        'transfer to a missing wallet',
        () =>
          service.transfer(
            callerOf(alice.userId),
            { fromWalletId: alice.wallet.id, toWalletId: missing, amount: 1 },
            { idempotencyKey: newKey() },
          ),
      ],
      ["get another user's wallet", () => service.getWallet(alice.userId, bob.wallet.id)],
    ] as const;
    for (const [label, attempt] of notFound)
      t.equal(await thrownCode(attempt()), 'wallet_not_found', `${label}: 404, never 403`);
    t.same(await service.getWallet(bob.userId, bob.wallet.id), bob.wallet, 'bob untouched');
    t.same(await service.getWallet(alice.userId, alice.wallet.id), alice.wallet, 'alice untouched');

    const paid = dataOf<TransferResult>(
      await service.transfer(
        callerOf(alice.userId),
        { fromWalletId: alice.wallet.id, toWalletId: bob.wallet.id, amount: 300 },
        { idempotencyKey: newKey() },
      ),
    );
    t.equal(paid.debit.walletId, alice.wallet.id);
    t.equal(paid.credit.walletId, bob.wallet.id, "a transfer may credit another user's wallet");
    t.equal((await service.getWallet(bob.userId, bob.wallet.id)).balance, 350);
    t.equal((await service.getWallet(alice.userId, alice.wallet.id)).balance, 700);
  });

  storeCase('wallets: one per user per currency, listed and read by their owner only', async ({ service }, t) => {
    const userId = newUser();
    const created = await service.createWallet(callerOf(userId), { currency: 'USD' });
    t.equal(created.statusCode, 201);
    const wallet = dataOf<Wallet>(created);
    t.match(wallet, { userId, currency: 'USD', balance: 0, version: 0 });
    t.type(wallet.id, 'string');

    // Without a key nothing is remembered, so a store may answer wallet_exists either as a stored body or as a thrown refusal.
    const [duplicate] = await settleAll([service.createWallet(callerOf(userId), { currency: 'USD' })]);
    t.equal(duplicate!.label, 'wallet_exists', 'a second USD wallet is refused');
    if (duplicate!.result) t.equal(duplicate!.result.statusCode, 409);
    const key = newKey();
    const keyed = await service.createWallet(callerOf(userId), { currency: 'USD' }, { idempotencyKey: key });
    t.equal(keyed.statusCode, 409, 'with a key the refusal is a stored outcome');
    t.match(keyed.body, { error: { code: 'wallet_exists' } });
    const replayed = await service.createWallet(callerOf(userId), { currency: 'USD' }, { idempotencyKey: key });
    t.equal(replayed.replayed, true);
    t.same(replayed.body, keyed.body, 'and replays as such');
    const concurrent = await settleAll(
      ['JPY', 'JPY', 'JPY'].map((currency) => service.createWallet(callerOf(userId), { currency })),
    );
    t.same(countLabels(concurrent), { ok: 1, wallet_exists: 2 }, 'racing creations: one wallet per currency');
    const eur = await openWallet(service, userId, 'EUR');
    await openWallet(service, newUser(), 'USD');

    const listed = (await service.listWallets(userId)).items;
    t.same(listed.map((item) => item.currency).sort(), ['EUR', 'JPY', 'USD'], "only the caller's wallets");
    t.same(await service.getWallet(userId, eur.id), eur);
    t.same(await service.store.findWallet(eur.id), eur, 'findWallet sees any wallet');
    t.equal(await service.store.findWallet('00000000-0000-4000-8000-000000000000'), null);
    t.same(await service.listWallets(newUser()), { items: [], nextCursor: null }, 'a new user has none');
    for (const currency of ['usd', 'US', 'USDD', '']) {
      t.equal(
        await thrownCode(service.createWallet(callerOf(userId), { currency })),
        'validation_failed',
        `currency '${currency}'`,
      );
    }
    await credit(service, userId, wallet.id, 42);
    t.match(await service.getWallet(userId, wallet.id), { balance: 42, version: 1 });
  });
}
