// Capture race demo: one hold, then N captures of it fired at once, each its own intent (own
// key). Exactly one may win; the others must be refused. Then the books are checked: the hold
// is captured, the balance fell by the hold's amount once, nothing is left held by it, and the
// balance equals the sum of the wallet's ledger.
import type { CaptureResult, Wallet, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { ledgerSum } from './ledger-sum.js';
import { formatMinor, parseMajor } from './money-format.js';
import { bindWalletPicker, type WalletStore } from './wallet-store.js';

/** Concurrent captures per run: enough to show the race, small enough for the write budget. */
const RACERS_MIN = 2;
const RACERS_MAX = 20;

export function mountCaptureRaceDemo(client: WalletClient, store: WalletStore, onMoved: () => void): void {
  const fields = byId('capture-race-fields', HTMLFieldSetElement);
  const picker = byId('capture-race-wallet', HTMLSelectElement);
  const countInput = byId('capture-race-count', HTMLInputElement);
  const amountInput = byId('capture-race-amount', HTMLInputElement);
  const log = byId('capture-race-log', HTMLOListElement);
  const summary = byId('capture-race-summary', HTMLParagraphElement);
  const message = byId('capture-race-message', HTMLParagraphElement);
  bindWalletPicker(store, picker);

  byId('capture-race-run', HTMLButtonElement).addEventListener('click', () => {
    void whileBusy(fields, async () => {
      log.replaceChildren();
      summary.textContent = '';
      summary.className = 'summary';
      showMessage(message, 'info', '');
      const wallet = store.find(picker.value);
      if (!wallet) return showMessage(message, 'error', 'Choose a wallet first.');
      const racers = Math.trunc(countInput.valueAsNumber);
      if (!(racers >= RACERS_MIN && racers <= RACERS_MAX)) {
        return showMessage(message, 'error', `Captures: between ${RACERS_MIN} and ${RACERS_MAX}.`);
      }
      const amount = parseMajor(amountInput.value, wallet.currency);
      if (!amount.ok) return showMessage(message, 'error', `Hold amount: ${amount.reason}.`);
      const placed = await settle((options) =>
        client.holds.create({ walletId: wallet.id, amount: amount.amountMinor }, options),
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
      const ledger = await ledgerSum(client, wallet.id);
      if (!ledger.ok) {
        const problem = ledger.problem ? `: ${describeProblem(ledger.problem)}` : '';
        return showMessage(message, 'error', `Ledger check skipped, ${ledger.reason}${problem}`);
      }
      const check = { before, after: after.data, status: hold.data.status, ledgerSumMinor: ledger.sumMinor };
      renderSummary(summary, results, check, amount.amountMinor);
    });
  });
}

function racerLine(index: number, result: ApiResult<CaptureResult>, currency: string): HTMLLIElement {
  if (result.ok) {
    const captured = formatMinor(result.data.hold.capturedAmount, currency);
    return el('li', { className: 'ok', text: `capture ${index}: succeeded (${result.status}), captured ${captured}` });
  }
  const code = result.problem.code ?? 'no code';
  return el('li', {
    className: 'refused',
    text: `capture ${index}: refused ${code} (${result.status})`,
    title: describeProblem(result.problem),
  });
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
