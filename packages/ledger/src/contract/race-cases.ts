import type { Test } from 'tap';
import type { BalanceResult, TransferResult } from '../types.js';
import { storeCases, type StoreSource } from './harness.js';
import { callerOf, dataOf, fundedWallet, newKey } from './service-calls.js';
import { checkWalletLedger } from './ledger-checks.js';
import { countLabels, raceKeyed, settleAll, warmUp } from './race-harness.js';

/** Concurrent writers on the same balance: exactly the affordable ones win (DESIGN.md §4.1). */
export function raceCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  const writers = 10;

  storeCase(
    `${writers} concurrent debits of 800 on 1000: one succeeds, the rest are remembered refusals`,
    async ({ store, service }, t) => {
      const { userId, wallet } = await fundedWallet(service, 1000);
      const request = { walletId: wallet.id, amount: 800 };
      const { keys, outcomes } = await raceKeyed(service, { userId, walletId: wallet.id }, writers, (key) =>
        service.debit(callerOf(userId), request, { idempotencyKey: key }),
      );
      t.same(countLabels(outcomes), { ok: 1, insufficient_funds: writers - 1 }, 'one debit wins');

      const after = await service.getWallet(userId, wallet.id);
      t.equal(after.balance, 200, 'balance 1000 - 800');
      t.equal(after.version, 2, 'one credit and one debit entry');
      const entries = await checkWalletLedger(t, store, after);
      const won = outcomes.find((outcome) => outcome.label === 'ok')!.result!;
      t.equal(entries[0]!.id, dataOf<BalanceResult>(won).transactionId, 'the newest entry is the winning debit');

      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.label !== 'insufficient_funds') continue;
        t.equal(outcome.result!.statusCode, 409, 'insufficient_funds is a 409');
        const replay = await service.debit(callerOf(userId), request, { idempotencyKey: keys[index]! });
        t.equal(replay.replayed, true, 'the refusal is remembered with its key');
        t.equal(replay.statusCode, 409);
        t.same(replay.body, outcome.result!.body, 'the replay repeats the refusal body');
      }
      t.equal((await service.getWallet(userId, wallet.id)).version, 2, 'replays moved nothing');
    },
  );

  storeCase(`${writers} concurrent transfers of 800 from 1000: one succeeds`, async ({ store, service }, t) => {
    const source = await fundedWallet(service, 1000);
    const destination = await fundedWallet(service, 0);
    const request = { fromWalletId: source.wallet.id, toWalletId: destination.wallet.id, amount: 800 };
    await warmUp(service, source.userId, source.wallet.id, writers);
    const outcomes = await settleAll(
      Array.from({ length: writers }, () =>
        service.transfer(callerOf(source.userId), request, { idempotencyKey: newKey() }),
      ),
    );
    t.same(countLabels(outcomes), { ok: 1, insufficient_funds: writers - 1 }, 'one transfer wins');
    const from = await service.getWallet(source.userId, source.wallet.id);
    const to = await service.getWallet(destination.userId, destination.wallet.id);
    t.equal(from.balance, 200, 'source 1000 - 800');
    t.equal(to.balance, 800, 'destination 0 + 800');
    t.equal(from.version, 2);
    t.equal(to.version, 1);
    await checkWalletLedger(t, store, from);
    await checkWalletLedger(t, store, to);
    const won = dataOf<TransferResult>(outcomes.find((outcome) => outcome.label === 'ok')!.result!);
    t.equal(won.debit.transferId, won.transferId);
    t.equal(won.credit.transferId, won.transferId);
    t.equal(won.debit.balanceAfter, 200);
    t.equal(won.credit.balanceAfter, 800);
  });

  storeCase(
    'crossing concurrent transfers between two wallets all complete (no deadlock, no lost update)',
    async ({ store, service }, t) => {
      const a = await fundedWallet(service, 1000);
      const b = await fundedWallet(service, 1000);
      const perDirection = 8;
      await warmUp(service, a.userId, a.wallet.id, 2 * perDirection);
      const calls = Array.from({ length: perDirection }, () => [
        service.transfer(
          callerOf(a.userId),
          { fromWalletId: a.wallet.id, toWalletId: b.wallet.id, amount: 100 },
          { idempotencyKey: newKey() },
        ),
        service.transfer(
          callerOf(b.userId),
          { fromWalletId: b.wallet.id, toWalletId: a.wallet.id, amount: 100 },
          { idempotencyKey: newKey() },
        ),
      ]).flat();
      const outcomes = await settleAll(calls);
      t.same(countLabels(outcomes), { ok: 2 * perDirection }, 'every transfer is affordable and completes');
      const walletA = await service.getWallet(a.userId, a.wallet.id);
      const walletB = await service.getWallet(b.userId, b.wallet.id);
      t.equal(walletA.balance, 1000);
      t.equal(walletB.balance, 1000);
      t.equal(walletA.version, 1 + 2 * perDirection);
      t.equal(walletB.version, 1 + 2 * perDirection);
      await checkWalletLedger(t, store, walletA);
      await checkWalletLedger(t, store, walletB);
    },
  );

  storeCase('concurrent credits on one wallet all apply', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 0);
    await warmUp(service, userId, wallet.id, writers);
    const outcomes = await settleAll(
      Array.from({ length: writers }, (_, index) =>
        service.credit(callerOf(userId), { walletId: wallet.id, amount: index + 1 }, { idempotencyKey: newKey() }),
      ),
    );
    t.same(countLabels(outcomes), { ok: writers });
    const after = await service.getWallet(userId, wallet.id);
    t.equal(after.balance, (writers * (writers + 1)) / 2, 'sum of 1..10');
    await checkWalletLedger(t, store, after);
    const balancesAfter = outcomes
      .map((outcome) => dataOf<BalanceResult>(outcome.result!).transaction.balanceAfter)
      .sort((x, y) => x - y);
    t.equal(new Set(balancesAfter).size, writers, 'every credit saw a different balance: none lost');
  });
}
