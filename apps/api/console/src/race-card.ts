// What the two race demos (concurrent debits, concurrent captures of one hold) share: the card's
// parts, reading and checking a run's wallet, racer count and amount, a refused racer's line,
// and the ledger-sum check after the race.
import type { Wallet, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, type Problem } from './api.js';
import { ledgerSum } from './ledger-sum.js';
import { parseMajor } from './money-format.js';
import { pickerCard, type PickerCard, type WalletStore } from './wallet-store.js';

/** Concurrent writes per run: enough to show the race, small enough for the write budget. */
const RACERS_MIN = 2;
const RACERS_MAX = 20;

/** A race card: the picker card's parts plus `<card>-log` and `<card>-summary`. */
export interface RaceCard extends PickerCard {
  log: HTMLOListElement;
  summary: HTMLParagraphElement;
}

/** One run's checked input. */
export interface RaceRun {
  wallet: Wallet;
  racers: number;
  amountMinor: number;
}

/**
 * Binds `<card>-run`: clears the last run, reads the wallet, `<card>-count` (the racers) and
 * `<card>-amount`, refuses them with a message when out of bounds, else runs the race.
 */
export function bindRaceCard(
  card: string,
  store: WalletStore,
  labels: { racers: string; amount: string },
  race: (parts: RaceCard, run: RaceRun) => Promise<void>,
): void {
  const parts: RaceCard = {
    ...pickerCard(card, store),
    log: byId(`${card}-log`, HTMLOListElement),
    summary: byId(`${card}-summary`, HTMLParagraphElement),
  };
  const countInput = byId(`${card}-count`, HTMLInputElement);
  const amountInput = byId(`${card}-amount`, HTMLInputElement);
  const { fields, picker, message, log, summary } = parts;

  byId(`${card}-run`, HTMLButtonElement).addEventListener('click', () => {
    void whileBusy(fields, async () => {
      log.replaceChildren();
      summary.textContent = '';
      summary.className = 'summary';
      showMessage(message, 'info', '');
      const wallet = store.find(picker.value);
      if (!wallet) return showMessage(message, 'error', 'Choose a wallet first.');
      const racers = Math.trunc(countInput.valueAsNumber);
      if (!(racers >= RACERS_MIN && racers <= RACERS_MAX)) {
        return showMessage(message, 'error', `${labels.racers}: between ${RACERS_MIN} and ${RACERS_MAX}.`);
      }
      const amount = parseMajor(amountInput.value, wallet.currency);
      if (!amount.ok) return showMessage(message, 'error', `${labels.amount}: ${amount.reason}.`);
      await race(parts, { wallet, racers, amountMinor: amount.amountMinor });
    });
  });
}

/** The log line of a racer the API refused: its code and status, the problem as the tooltip. */
export function refusedLine(what: string, index: number, result: { status: number; problem: Problem }): HTMLLIElement {
  const code = result.problem.code ?? 'no code';
  return el('li', {
    className: 'refused',
    text: `${what} ${index}: refused ${code} (${result.status})`,
    title: describeProblem(result.problem),
  });
}

/** The sum of the wallet's ledger after the race; undefined (the reason shown) when it could not be read. */
export async function ledgerAfterRace(
  client: WalletClient,
  walletId: string,
  message: HTMLParagraphElement,
): Promise<number | undefined> {
  const ledger = await ledgerSum(client, walletId);
  if (ledger.ok) return ledger.sumMinor;
  const problem = ledger.problem ? `: ${describeProblem(ledger.problem)}` : '';
  showMessage(message, 'error', `Ledger check skipped, ${ledger.reason}${problem}`);
  return undefined;
}
