// What the two race demos (concurrent debits, concurrent captures of one hold) share: the card's
// parts, reading and checking a run's wallet, racer count and amount, firing the racers and
// logging each one's line (won, or refused with its code), the books after the race (the wallet
// read again and its ledger sum) and the summary's verdict.
import type { CallOptions, Wallet, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy, within } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
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

/** What one race card shows: its name (the prefix of its ids), texts and default amount. */
export interface RaceCardSpec {
  card: string;
  title: string;
  about: string;
  labels: { racers: string; amount: string };
  amountDefault: string;
  runLabel: string;
}

/**
 * Renders the card from the `#race-card` template (just before it), then binds `<card>-run`:
 * clears the last run, reads the wallet, `<card>-count` (the racers) and `<card>-amount`,
 * refuses them with a message when out of bounds, else runs the race.
 */
export function bindRaceCard(
  spec: RaceCardSpec,
  store: WalletStore,
  race: (parts: RaceCard, run: RaceRun) => Promise<void>,
): void {
  const { card, labels } = spec;
  renderRaceCard(spec);
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

/** Clones `#race-card` with the ids `<card>-demo`, `-title`, `-fields`, `-wallet`, `-count`, `-amount`, `-run`, … */
function renderRaceCard(spec: RaceCardSpec): void {
  const template = byId('race-card', HTMLTemplateElement);
  const copy = document.importNode(template.content, true);
  const part = <T extends Element>(selector: string, type: abstract new () => T, id: string): T => {
    const element = within(copy, selector, type);
    element.id = `${spec.card}-${id}`;
    return element;
  };
  part('section', HTMLElement, 'demo').setAttribute('aria-labelledby', `${spec.card}-title`);
  part('.race-title', HTMLHeadingElement, 'title').textContent = spec.title;
  within(copy, '.race-about', HTMLParagraphElement).textContent = spec.about;
  part('fieldset', HTMLFieldSetElement, 'fields');
  part('.race-wallet', HTMLSelectElement, 'wallet');
  within(copy, '.racers-label', HTMLSpanElement).textContent = spec.labels.racers;
  Object.assign(part('.race-count', HTMLInputElement, 'count'), { min: String(RACERS_MIN), max: String(RACERS_MAX) });
  within(copy, '.amount-label', HTMLSpanElement).textContent = spec.labels.amount;
  part('.race-amount', HTMLInputElement, 'amount').value = spec.amountDefault;
  part('.race-run', HTMLButtonElement, 'run').textContent = spec.runLabel;
  part('.log', HTMLOListElement, 'log');
  part('.summary', HTMLParagraphElement, 'summary').dataset.testid = `${spec.card}-summary`;
  part('.message', HTMLParagraphElement, 'message');
  template.before(copy);
}

/** The racers of one run. */
export interface Racers<T> {
  /** What one racer is called in the log: "debit 3: …". */
  name: string;
  count: number;
  /** One racer's call; `options` must be passed on (see `settle`). */
  write: (options: CallOptions) => Promise<T>;
  /** What a racer's success line tells after "succeeded (<status>), ". */
  won: (data: T) => string;
}

/**
 * Fires the racers at once, each its own intent (the client draws a fresh key per call), logs
 * each one's line (numbered from 1) and answers their results in racer order.
 */
export async function fireRacers<T>(log: HTMLOListElement, racers: Racers<T>): Promise<ApiResult<T>[]> {
  const results = await Promise.all(Array.from({ length: racers.count }, () => settle(racers.write)));
  log.append(...results.map((result, index) => racerLine(racers, index + 1, result)));
  return results;
}

/** A racer's log line: what it won, or the code and status it was refused with (the problem as the tooltip). */
function racerLine<T>({ name, won }: Racers<T>, index: number, result: ApiResult<T>): HTMLLIElement {
  if (result.ok) {
    return el('li', { className: 'ok', text: `${name} ${index}: succeeded (${result.status}), ${won(result.data)}` });
  }
  const code = result.problem.code ?? 'no code';
  return el('li', {
    className: 'refused',
    text: `${name} ${index}: refused ${code} (${result.status})`,
    title: describeProblem(result.problem),
  });
}

/** The wallet after the race and the sum of its ledger. */
export interface RaceBooks {
  after: Wallet;
  ledgerSumMinor: number;
}

/** Where the books after a race are read, and who is told of them. */
export interface RaceBooksSource {
  client: WalletClient;
  store: WalletStore;
  /** Called once the wallet read again is in the store (money moved). */
  onMoved: () => void;
  walletId: string;
  /** Shows why the books could not be read. */
  message: HTMLParagraphElement;
}

/**
 * Reads the wallet again (into the store, then `onMoved`) and sums its ledger; undefined (the
 * reason shown in `message`) when either could not be read.
 */
export async function readBooks(source: RaceBooksSource): Promise<RaceBooks | undefined> {
  const { client, walletId, message } = source;
  const after = await settle((options) => client.wallets.get(walletId, options));
  if (!after.ok) {
    showMessage(message, 'error', describeProblem(after.problem));
    return undefined;
  }
  source.store.update(after.data);
  source.onMoved();
  const ledger = await ledgerSum(client, walletId);
  if (ledger.ok) return { after: after.data, ledgerSumMinor: ledger.sumMinor };
  const problem = ledger.problem ? `: ${describeProblem(ledger.problem)}` : '';
  showMessage(message, 'error', `Ledger check skipped, ${ledger.reason}${problem}`);
  return undefined;
}

/** Writes a run's summary: `facts`, then the verdict on the books, styled ok or error by it. */
export function showVerdict(target: HTMLParagraphElement, facts: string, consistent: boolean): void {
  target.textContent = facts + (consistent ? 'consistent.' : 'MISMATCH (another writer, or a bug).');
  target.className = `summary ${consistent ? 'ok' : 'error'}`;
}
