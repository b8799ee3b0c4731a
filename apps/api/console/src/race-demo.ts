// Race demo: N debits fired at once at one wallet, each its own intent (own key). It shows
// which succeeded and which were refused (with the code), then checks that the final
// balance equals both the start minus the successes and the sum of the wallet's ledger.
import type { BalanceResult, Wallet, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { ledgerSum } from './ledger-sum.js';
import { formatMinor, parseMajor } from './money-format.js';
import { pickerCard, type WalletStore } from './wallet-store.js';

/** Concurrent debits per run: enough to show the race, small enough for the write budget. */
const RACERS_MIN = 2;
const RACERS_MAX = 20;

export function mountRaceDemo(client: WalletClient, store: WalletStore, onMoved: () => void): void {
  const { fields, picker, message } = pickerCard('race', store);
  const countInput = byId('race-count', HTMLInputElement);
  const amountInput = byId('race-amount', HTMLInputElement);
  const log = byId('race-log', HTMLOListElement);
  const summary = byId('race-summary', HTMLParagraphElement);

  byId('race-run', HTMLButtonElement).addEventListener('click', () => {
    void whileBusy(fields, async () => {
      log.replaceChildren();
      summary.textContent = '';
      showMessage(message, 'info', '');
      const wallet = store.find(picker.value);
      if (!wallet) return showMessage(message, 'error', 'Choose a wallet first.');
      const racers = Math.trunc(countInput.valueAsNumber);
      if (!(racers >= RACERS_MIN && racers <= RACERS_MAX)) {
        return showMessage(message, 'error', `Debits: between ${RACERS_MIN} and ${RACERS_MAX}.`);
      }
      const amount = parseMajor(amountInput.value, wallet.currency);
      if (!amount.ok) return showMessage(message, 'error', `Amount: ${amount.reason}.`);
      const before = await settle((options) => client.wallets.get(wallet.id, options));
      if (!before.ok) return showMessage(message, 'error', describeProblem(before.problem));

      const results = await Promise.all(
        Array.from({ length: racers }, () =>
          // Each debit is its own intent: the client draws a fresh key per call.
          settle((options) => client.wallets.debit({ walletId: wallet.id, amount: amount.amountMinor }, options)),
        ),
      );
      log.append(...results.map((result, index) => racerLine(index + 1, result, wallet.currency)));

      const after = await settle((options) => client.wallets.get(wallet.id, options));
      if (!after.ok) return showMessage(message, 'error', describeProblem(after.problem));
      store.update(after.data);
      onMoved();
      const ledger = await ledgerSum(client, wallet.id);
      if (!ledger.ok) {
        const problem = ledger.problem ? `: ${describeProblem(ledger.problem)}` : '';
        return showMessage(message, 'error', `Ledger check skipped, ${ledger.reason}${problem}`);
      }
      renderSummary(summary, results, before.data, after.data, ledger.sumMinor, amount.amountMinor);
    });
  });
}

function racerLine(index: number, result: ApiResult<BalanceResult>, currency: string): HTMLLIElement {
  if (result.ok) {
    const after = formatMinor(result.data.transaction.balanceAfter, currency);
    return el('li', { className: 'ok', text: `debit ${index}: succeeded (${result.status}), balance after ${after}` });
  }
  const code = result.problem.code ?? 'no code';
  return el('li', {
    className: 'refused',
    text: `debit ${index}: refused ${code} (${result.status})`,
    title: describeProblem(result.problem),
  });
}

function renderSummary(
  target: HTMLParagraphElement,
  results: ApiResult<BalanceResult>[],
  before: Wallet,
  after: Wallet,
  ledgerSumMinor: number,
  amountMinor: number,
): void {
  const succeeded = results.filter((result) => result.ok).length;
  const refused = results.length - succeeded;
  const expectedMinor = before.balance - succeeded * amountMinor;
  const consistent = after.balance === ledgerSumMinor && after.balance === expectedMinor;
  const currency = after.currency;
  target.textContent =
    `${succeeded} succeeded, ${refused} refused. Final balance ${formatMinor(after.balance, currency)}; ` +
    `ledger sum ${formatMinor(ledgerSumMinor, currency)}; start minus successes ${formatMinor(expectedMinor, currency)}: ` +
    (consistent ? 'consistent.' : 'MISMATCH (another writer, or a bug).');
  target.className = `summary ${consistent ? 'ok' : 'error'}`;
}
