import type { Test } from 'tap';
import type { BalanceResult } from '../types.js';
import { storeCases, type StoreSource } from './harness.js';
import {
  callerOf,
  credit,
  dataOf,
  fundedWallet,
  newKey,
  refusalCodeOf,
  thrownCode,
  transfer,
} from './service-calls.js';
import { allEntries, checkWalletLedger } from './ledger-checks.js';
import { countLabels, settleAll, warmUp } from './race-harness.js';
import { capture, captureOf, placeHold, reversalOf, reverse, voidHold } from './hold-harness.js';

/** Reversals: ownership rules, never more than the original under concurrency, never into held money. */
export function reversalCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  const writers = 10;

  storeCase(`${writers} concurrent partial reversals never exceed the original`, async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 0);
    const original = await credit(service, userId, wallet.id, 1000);
    await warmUp(service, userId, wallet.id, writers);
    const outcomes = await settleAll(
      Array.from({ length: writers }, () => reverse(service, userId, original.transactionId, 300)),
    );
    t.same(countLabels(outcomes), { ok: 3, reversal_exceeds_original: writers - 3 }, '3 x 300 fit in 1000');
    const entries = await checkWalletLedger(t, store, await service.getWallet(userId, wallet.id));
    const stored = entries.find((entry) => entry.id === original.transactionId)!;
    t.equal(stored.reversedAmount, 900, 'the original says how much is back');
    t.equal(entries.filter((entry) => entry.type === 'reversal').length, 3);
    const rest = reversalOf(await reverse(service, userId, original.transactionId));
    t.match(rest.reversal, { type: 'reversal', amount: 100, reversalOf: original.transactionId, balanceAfter: 0 });
    t.match(rest.original, { id: original.transactionId, reversedAmount: 1000 });
    t.match(rest.wallet, { balance: 0, version: 5 });
    const none = await reverse(service, userId, original.transactionId);
    t.equal(refusalCodeOf(none), 'reversal_exceeds_original', 'nothing left to reverse');
    t.equal(none.statusCode, 422);
  });

  storeCase('a reversal cannot dig into held money', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 0);
    const original = await credit(service, userId, wallet.id, 1000);
    await placeHold(service, userId, wallet.id, 800);
    const key = newKey();
    const refused = await reverse(service, userId, original.transactionId, 300, key);
    t.equal(refusalCodeOf(refused), 'insufficient_funds', 'only 200 is available');
    t.equal((await reverse(service, userId, original.transactionId, 300, key)).replayed, true);
    const fits = reversalOf(await reverse(service, userId, original.transactionId, 200));
    t.match(fits.wallet, { balance: 800, heldBalance: 800, availableBalance: 0 });
    await checkWalletLedger(t, store, await service.getWallet(userId, wallet.id));
  });

  storeCase('the recipient refunds a transfer; the sender cannot claw it back', async ({ store, service }, t) => {
    const sender = await fundedWallet(service, 1000);
    const recipient = await fundedWallet(service, 0);
    const sent = await transfer(service, sender.userId, sender.wallet.id, recipient.wallet.id, 500);
    t.equal(await thrownCode(reverse(service, sender.userId, sent.credit.id)), 'transaction_not_found');
    t.equal(refusalCodeOf(await reverse(service, sender.userId, sent.debit.id)), 'not_reversible');
    const refund = reversalOf(await reverse(service, recipient.userId, sent.credit.id, 200));
    t.match(refund.reversal, { walletId: recipient.wallet.id, amount: 200, balanceBefore: 500, balanceAfter: 300 });
    t.match(refund.original, { id: sent.credit.id, reversedAmount: 200 });
    t.equal(refusalCodeOf(await reverse(service, recipient.userId, refund.reversal.id)), 'not_reversible');
    const from = await service.getWallet(sender.userId, sender.wallet.id);
    t.match(from, { balance: 700, version: 3 }, 'the money went back to the sender');
    const senderEntries = await checkWalletLedger(t, store, from);
    t.match(senderEntries[0], { type: 'reversal', amount: 200, reversalOf: sent.debit.id, balanceAfter: 700 });
    t.equal(senderEntries.find((entry) => entry.id === sent.debit.id)!.reversedAmount, 200, 'both legs say so');
    await checkWalletLedger(t, store, await service.getWallet(recipient.userId, recipient.wallet.id));
    const other = await fundedWallet(service, 0);
    const missing = reverse(service, other.userId, '00000000-0000-4000-8000-000000000000');
    t.equal(await thrownCode(missing), 'transaction_not_found');
    t.equal(await thrownCode(reverse(service, other.userId, 'not-an-entry-id')), 'transaction_not_found');
  });

  storeCase(
    'a debit reversal gives back; a capture reversal takes from the destination',
    async ({ store, service }, t) => {
      const payer = await fundedWallet(service, 1000);
      const payee = await fundedWallet(service, 0);
      const debit = await service.debit(
        callerOf(payer.userId),
        { walletId: payer.wallet.id, amount: 100 },
        { idempotencyKey: newKey() },
      );
      const back = reversalOf(await reverse(service, payer.userId, dataOf<BalanceResult>(debit).transactionId));
      t.match(back.wallet, { balance: 1000 });
      const { hold } = await placeHold(service, payer.userId, payer.wallet.id, 800);
      const captured = captureOf(
        await capture(service, payer.userId, hold.id, { amount: 500, toWalletId: payee.wallet.id }),
      );
      const payeeHold = await placeHold(service, payee.userId, payee.wallet.id, 400);
      const short = await reverse(service, payer.userId, captured.transaction.id, 200);
      t.equal(refusalCodeOf(short), 'insufficient_funds', "the destination's held money is not taken");
      await reverse(service, payer.userId, captured.transaction.id, 100);
      await voidHold(service, payee.userId, payeeHold.hold.id);
      const byRecipient = reversalOf(await reverse(service, payee.userId, captured.credit!.id));
      t.equal(byRecipient.reversal.amount, 400, 'one pool: 500 captured, 100 already back');
      t.match(byRecipient.original, { reversedAmount: 500 });
      const from = await service.getWallet(payer.userId, payer.wallet.id);
      const to = await service.getWallet(payee.userId, payee.wallet.id);
      t.match(from, { balance: 1000 });
      t.match(to, { balance: 0, heldBalance: 0 });
      await checkWalletLedger(t, store, from);
      const entries = await allEntries(store, payee.wallet.id);
      t.equal(entries.find((entry) => entry.type === 'capture_in')!.reversedAmount, 500);
    },
  );
}
