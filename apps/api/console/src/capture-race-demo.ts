// Capture race demo: one hold, then N captures of it fired at once, each its own intent (own
// key). Exactly one may win; the others must be refused. Then the books are checked: the hold
// is captured, the balance fell by the hold's amount once, nothing is left held by it, and the
// balance equals the sum of the wallet's ledger.
import type { CaptureResult, Wallet, WalletClient } from '@wallet/client';
import { showMessage } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { bindRaceCard, fireRacers, readBooks, showVerdict, type RaceBooks, type RaceCardSpec } from './race-card.js';
import { formatMinor } from './money-format.js';
import type { WalletStore } from './wallet-store.js';

const CAPTURE_RACE_CARD: RaceCardSpec = {
  card: 'capture-race',
  title: 'Demo: capture race',
  about:
    'Places one hold, then fires N captures of it at once, each with its own key: one captures, the others are ' +
    'refused, and the books are checked against the ledger.',
  labels: { racers: 'Captures', amount: 'Hold amount' },
  amountDefault: '3.00',
  runLabel: 'Run capture race',
};

export function mountCaptureRaceDemo(client: WalletClient, store: WalletStore, onMoved: () => void): void {
  bindRaceCard(CAPTURE_RACE_CARD, store, async ({ message, log, summary }, { wallet, racers, amountMinor }) => {
    const placed = await settle((options) =>
      client.holds.create({ walletId: wallet.id, amount: amountMinor }, options),
    );
    if (!placed.ok) return showMessage(message, 'error', `Hold: ${describeProblem(placed.problem)}`);
    const before = placed.data.wallet;
    const holdId = placed.data.hold.id;

    const results = await fireRacers(log, {
      name: 'capture',
      count: racers,
      write: (options) => client.holds.capture(holdId, {}, options),
      won: (data) => `captured ${formatMinor(data.hold.capturedAmount, wallet.currency)}`,
    });

    const hold = await settle((options) => client.holds.get(holdId, options));
    if (!hold.ok) return showMessage(message, 'error', describeProblem(hold.problem));
    const books = await readBooks({ client, store, onMoved, walletId: wallet.id, message });
    if (books) renderSummary(summary, results, { ...books, before, status: hold.data.status }, amountMinor);
  });
}

interface Books extends RaceBooks {
  /** The wallet right after the hold was placed (the hold already counted in heldBalance). */
  before: Wallet;
  /** The hold's status after the race. */
  status: string;
}

function renderSummary(
  target: HTMLParagraphElement,
  results: ApiResult<CaptureResult>[],
  books: Books,
  amountMinor: number,
): void {
  const succeeded = results.filter((result) => result.ok).length;
  const refused = results.length - succeeded;
  const { before, after } = books;
  const consistent =
    succeeded === 1 &&
    books.status === 'captured' &&
    after.balance === before.balance - amountMinor &&
    after.heldBalance === before.heldBalance - amountMinor &&
    after.balance === books.ledgerSumMinor;
  const money = (amount: number): string => formatMinor(amount, after.currency);
  const facts =
    `${succeeded} captured, ${refused} refused; hold ${books.status}. ` +
    `Balance ${money(before.balance)} → ${money(after.balance)}; held ${money(before.heldBalance)} → ${money(after.heldBalance)}; ` +
    `ledger sum ${money(books.ledgerSumMinor)}: `;
  showVerdict(target, facts, consistent);
}
