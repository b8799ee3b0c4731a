// Race demo: N debits fired at once at one wallet, each its own intent (own key). It shows
// which succeeded and which were refused (with the code), then checks that the final
// balance equals both the start minus the successes and the sum of the wallet's ledger.
import type { BalanceResult, Wallet, WalletClient } from '@wallet/client';
import { showMessage } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { bindRaceCard, fireRacers, readBooks, showVerdict, type RaceBooks, type RaceCardSpec } from './race-card.js';
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
  bindRaceCard(RACE_CARD, store, async ({ message, log, summary }, { wallet, racers, amountMinor }) => {
    const before = await settle((options) => client.wallets.get(wallet.id, options));
    if (!before.ok) return showMessage(message, 'error', describeProblem(before.problem));

    const results = await fireRacers(log, {
      name: 'debit',
      count: racers,
      write: (options) => client.wallets.debit({ walletId: wallet.id, amount: amountMinor }, options),
      won: (data) => `balance after ${formatMinor(data.transaction.balanceAfter, wallet.currency)}`,
    });

    const books = await readBooks({ client, store, onMoved, walletId: wallet.id, message });
    if (books) renderSummary(summary, results, before.data, books, amountMinor);
  });
}

function renderSummary(
  target: HTMLParagraphElement,
  results: ApiResult<BalanceResult>[],
  before: Wallet,
  { after, ledgerSumMinor }: RaceBooks,
  amountMinor: number,
): void {
  const succeeded = results.filter((result) => result.ok).length;
  const refused = results.length - succeeded;
  const expectedMinor = before.balance - succeeded * amountMinor;
  const consistent = after.balance === ledgerSumMinor && after.balance === expectedMinor;
  const currency = after.currency;
  const facts =
    `${succeeded} succeeded, ${refused} refused. Final balance ${formatMinor(after.balance, currency)}; ` +
    `ledger sum ${formatMinor(ledgerSumMinor, currency)}; start minus successes ${formatMinor(expectedMinor, currency)}: `;
  showVerdict(target, facts, consistent);
}
