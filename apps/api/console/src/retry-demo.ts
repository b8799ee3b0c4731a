// Retry demo: the same credit, with the same Idempotency-Key, sent twice in a row. The
// first answer applies it; the second must be the same answer marked as a replay, and
// the balance must have moved once.
import type { BalanceResult, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { formatMinor, parseMajor } from './money-format.js';
import { pickerCard, type WalletStore } from './wallet-store.js';

export function mountRetryDemo(client: WalletClient, store: WalletStore, onMoved: () => void): void {
  const { fields, picker, message } = pickerCard('retry', store);
  const amountInput = byId('retry-amount', HTMLInputElement);
  const log = byId('retry-log', HTMLOListElement);

  byId('retry-run', HTMLButtonElement).addEventListener('click', () => {
    void whileBusy(fields, async () => {
      log.replaceChildren();
      const wallet = store.find(picker.value);
      if (!wallet) return showMessage(message, 'error', 'Choose a wallet first.');
      const amount = parseMajor(amountInput.value, wallet.currency);
      if (!amount.ok) return showMessage(message, 'error', `Amount: ${amount.reason}.`);
      const before = await settle((options) => client.wallets.get(wallet.id, options));
      if (!before.ok) return showMessage(message, 'error', describeProblem(before.problem));
      // One intent, one key: both calls name it explicitly, exactly as the client's own retry
      // after a lost reply would send it; the second must be answered from the record.
      const idempotencyKey = crypto.randomUUID();
      const body = { walletId: wallet.id, amount: amount.amountMinor };
      const credit = () => settle((options) => client.wallets.credit(body, { ...options, idempotencyKey }));
      const first = await credit();
      log.append(attemptLine(1, first, wallet.currency));
      const second = await credit();
      log.append(attemptLine(2, second, wallet.currency));
      const after = await settle((options) => client.wallets.get(wallet.id, options));
      if (!after.ok) return showMessage(message, 'error', describeProblem(after.problem));
      store.update(after.data);
      onMoved();
      const movedMinor = after.data.balance - before.data.balance;
      const sameTransaction = first.ok && second.ok && first.data.transactionId === second.data.transactionId;
      const appliedOnce = movedMinor === amount.amountMinor && sameTransaction && second.replayed;
      showMessage(
        message,
        appliedOnce ? 'ok' : 'error',
        `Key ${idempotencyKey}: balance moved by ${formatMinor(movedMinor, wallet.currency)} ` +
          `(${formatMinor(before.data.balance, wallet.currency)} → ${formatMinor(after.data.balance, wallet.currency)}); ` +
          (appliedOnce ? 'applied once, second answer replayed.' : 'NOT applied exactly once.'),
      );
    });
  });
}

function attemptLine(attempt: number, result: ApiResult<BalanceResult>, currency: string): HTMLLIElement {
  const replayed = result.replayed ? 'replayed' : 'fresh';
  if (!result.ok) {
    return el('li', {
      className: 'refused',
      text: `send ${attempt}: ${result.status} ${replayed} · ${describeProblem(result.problem)}`,
    });
  }
  const data = result.data;
  return el('li', {
    className: 'ok',
    text: `send ${attempt}: ${result.status} ${replayed} · transaction ${data.transactionId} · balance ${formatMinor(data.wallet.balance, currency)}`,
  });
}
