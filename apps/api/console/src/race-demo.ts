// Race demo: N debits fired at once at one wallet, each its own intent (own key). It shows
// which succeeded and which were refused (with the code), then checks that the final
// balance equals both the start minus the successes and the sum of the wallet's ledger.
import type { BalanceResult, Wallet, WalletClient } from '@wallet/client';
import { el, showMessage } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { bindRaceCard, ledgerAfterRace, refusedLine, type RaceCardSpec } from './race-card.js';
import { formatMinor } from './money-format.js';
import type { WalletStore } from './wallet-store.js';

const RACE_CARD: RaceCardSpec = {
  card: 'race',
  title: 'Demo: concurrent debits',
  about: 'Fires N debits at once at one wallet, each with its own key, then checks the balance against the ledger.',
  labels: { racers: 'Debits', amount: 'Amount each' },
  amountDefault: '8.00',
  runLabel: 'Run race demo',
};

export function mountRaceDemo(client: WalletClient, store: WalletStore, onMoved: () => void): void {
  bindRaceCard(RACE_CARD, store, async ({ message, log, summary }, run) => {
    const { wallet, racers, amountMinor } = run;
    const before = await settle((options) => client.wallets.get(wallet.id, options));
    if (!before.ok) return showMessage(message, 'error', describeProblem(before.problem));

    const results = await Promise.all(
      Array.from({ length: racers }, () =>
        // Each debit is its own intent: the client draws a fresh key per call.
        settle((options) => client.wallets.debit({ walletId: wallet.id, amount: amountMinor }, options)),
      ),
    );
    log.append(...results.map((result, index) => racerLine(index + 1, result, wallet.currency)));

    const after = await settle((options) => client.wallets.get(wallet.id, options));
    if (!after.ok) return showMessage(message, 'error', describeProblem(after.problem));
    store.update(after.data);
    onMoved();
    const ledgerSumMinor = await ledgerAfterRace(client, wallet.id, message);
    if (ledgerSumMinor === undefined) return;
    renderSummary(summary, results, before.data, after.data, ledgerSumMinor, amountMinor);
  });
}

function racerLine(index: number, result: ApiResult<BalanceResult>, currency: string): HTMLLIElement {
  if (result.ok) {
    const after = formatMinor(result.data.transaction.balanceAfter, currency);
    return el('li', { className: 'ok', text: `debit ${index}: succeeded (${result.status}), balance after ${after}` });
  }
  return refusedLine('debit', index, result);
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
