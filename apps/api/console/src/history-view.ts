// History with cursor paging. The API gives only a `nextCursor` (towards older entries),
// so the view keeps the stack of cursors it used to reach each page: Older pushes,
// Newer pops, and the first page is the `null` cursor.
import type { Transaction, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, settle } from './api.js';
import { signedAmountMinor } from './entry-sign.js';
import { formatMinor } from './money-format.js';
import { pickerCard, type WalletStore } from './wallet-store.js';

/** The API's page size bounds (DESIGN §3: limit 1–100). */
const PAGE_SIZE_MIN = 1;
const PAGE_SIZE_MAX = 100;

export interface HistoryView {
  /** Reloads the first page of the shown wallet, if one is shown. */
  reloadFirstPage(): Promise<void>;
}

export function mountHistoryView(client: WalletClient, store: WalletStore): HistoryView {
  const { fields, picker, message } = pickerCard('history', store);
  const limitInput = byId('history-limit', HTMLInputElement);
  const body = byId('history-body', HTMLTableSectionElement);
  const newer = byId('history-newer', HTMLButtonElement);
  const older = byId('history-older', HTMLButtonElement);
  const pageLabel = byId('history-page', HTMLSpanElement);

  // cursors[i] is the cursor that loads page i + 1; cursors[0] is always null (newest page).
  let cursors: (string | null)[] = [null];
  let nextCursor: string | null = null;
  let shownWalletId: string | null = null;

  const load = async (walletId: string, stack: (string | null)[]): Promise<void> => {
    const wallet = store.find(walletId);
    if (!wallet) return showMessage(message, 'error', 'Choose a wallet first.');
    const limit = Math.min(PAGE_SIZE_MAX, Math.max(PAGE_SIZE_MIN, Math.trunc(limitInput.valueAsNumber) || 20));
    const cursor = stack[stack.length - 1] ?? undefined;
    const result = await settle((options) => client.transactions.list({ walletId, limit, cursor }, options));
    if (!result.ok) return showMessage(message, 'error', describeProblem(result.problem));
    cursors = stack;
    shownWalletId = walletId;
    nextCursor = result.data.nextCursor;
    body.replaceChildren(...result.data.data.map((entry) => historyRow(entry, wallet.currency)));
    if (result.data.data.length === 0)
      body.append(el('tr', {}, [el('td', { text: 'No entries.', className: 'muted' })]));
    pageLabel.textContent = `Page ${stack.length} · ${result.data.data.length} entr${result.data.data.length === 1 ? 'y' : 'ies'}`;
    showMessage(message, 'info', '');
  };

  // The paging buttons sit inside the fieldset, which re-enables them after each request;
  // their own `disabled` state says whether that direction exists.
  const syncPaging = (): void => {
    newer.disabled = cursors.length <= 1;
    older.disabled = nextCursor === null;
  };
  const run = (action: () => Promise<void>): void => {
    void whileBusy(fields, action).then(syncPaging);
  };

  byId('history-load', HTMLButtonElement).addEventListener('click', () => run(() => load(picker.value, [null])));
  picker.addEventListener('change', () => run(() => load(picker.value, [null])));
  older.addEventListener('click', () => {
    if (!shownWalletId || nextCursor === null) return;
    const walletId = shownWalletId;
    const stack = [...cursors, nextCursor];
    run(() => load(walletId, stack));
  });
  newer.addEventListener('click', () => {
    if (!shownWalletId || cursors.length <= 1) return;
    const walletId = shownWalletId;
    const stack = cursors.slice(0, -1);
    run(() => load(walletId, stack));
  });

  return {
    reloadFirstPage: async () => {
      const walletId = shownWalletId;
      if (walletId) await whileBusy(fields, () => load(walletId, [null])).then(syncPaging);
    },
  };
}

function historyRow(entry: Transaction, currency: string): HTMLTableRowElement {
  const signed = formatMinor(signedAmountMinor(entry), currency);
  return el('tr', {}, [
    el('td', { text: new Date(entry.createdAt).toLocaleString() }),
    el('td', { text: entry.type.replace('_', ' ') }),
    el('td', { text: signed, className: 'num' }),
    el('td', { text: formatMinor(entry.balanceAfter, currency), className: 'num' }),
    el('td', { text: entry.id, className: 'id' }),
  ]);
}
