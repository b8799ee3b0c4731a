// Capture race demo: one hold, then N captures of it fired at once, each its own intent (own
// key). Exactly one may win; the others must be refused. Then the books are checked: the hold
// is captured, the balance fell by the hold's amount once, nothing is left held by it, and the
// balance equals the sum of the wallet's ledger.
import type { CaptureResult, Wallet, WalletClient } from '@wallet/client';
import { el, showMessage } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { bindRaceCard, ledgerAfterRace, refusedLine, type RaceCardSpec } from './race-card.js';
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
  bindRaceCard(CAPTURE_RACE_CARD, store, async ({ message, log, summary }, run) => {
    const { wallet, racers, amountMinor } = run;
    const placed = await settle((options) =>
      client.holds.create({ walletId: wallet.id, amount: amountMinor }, options),
    );
    if (!placed.ok) return showMessage(message, 'error', `Hold: ${describeProblem(placed.problem)}`);
    const before = placed.data.wallet;
    const holdId = placed.data.hold.id;

    const results = await Promise.all(
      // Each capture is its own intent: the client draws a fresh key per call.
      Array.from({ length: racers }, () => settle((options) => client.holds.capture(holdId, {}, options))),
    );
    log.append(...results.map((result, index) => racerLine(index + 1, result, wallet.currency)));

    const after = await settle((options) => client.wallets.get(wallet.id, options));
    const hold = await settle((options) => client.holds.get(holdId, options));
    if (!after.ok) return showMessage(message, 'error', describeProblem(after.problem));
    if (!hold.ok) return showMessage(message, 'error', describeProblem(hold.problem));
    store.update(after.data);
    onMoved();
    const ledgerSumMinor = await ledgerAfterRace(client, wallet.id, message);
    if (ledgerSumMinor === undefined) return;
    const check = { before, after: after.data, status: hold.data.status, ledgerSumMinor };
    renderSummary(summary, results, check, amountMinor);
  });
}

function racerLine(index: number, result: ApiResult<CaptureResult>, currency: string): HTMLLIElement {
  if (result.ok) {
    const captured = formatMinor(result.data.hold.capturedAmount, currency);
    return el('li', { className: 'ok', text: `capture ${index}: succeeded (${result.status}), captured ${captured}` });
  }
  return refusedLine('capture', index, result);
}

interface Books {
  /** The wallet right after the hold was placed (the hold already counted in heldBalance). */
  before: Wallet;
  after: Wallet;
  status: string;
  ledgerSumMinor: number;
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
  target.textContent =
    `${succeeded} captured, ${refused} refused; hold ${books.status}. ` +
    `Balance ${money(before.balance)} → ${money(after.balance)}; held ${money(before.heldBalance)} → ${money(after.heldBalance)}; ` +
    `ledger sum ${money(books.ledgerSumMinor)}: ` +
    (consistent ? 'consistent.' : 'MISMATCH (another writer, or a bug).');
  target.className = `summary ${consistent ? 'ok' : 'error'}`;
}
