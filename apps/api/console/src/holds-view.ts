// The holds card: place a hold on a wallet (part of its available balance, with a lifetime),
// list the wallet's holds with status and expiry, capture an active one (whole, or a part:
// the rest is released) or void it. Each action is one intent with its own Idempotency-Key,
// kept while the same request may be sent again and dropped once the answer is final.
import type { Hold, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { isRetryable } from './intent-forms.js';
import { formatMinor, parseMajor } from './money-format.js';
import { bindWalletPicker, type WalletStore } from './wallet-store.js';

/** The newest holds of the wallet; older ones are a page away in the API, not in this card. */
const HOLDS_SHOWN = 20;
const STATUSES = ['active', 'captured', 'voided', 'expired'] as const;

export interface HoldsView {
  /** Reloads the list of the chosen wallet. */
  reload(): Promise<void>;
}

interface HoldsParts {
  fields: HTMLFieldSetElement;
  picker: HTMLSelectElement;
  amount: HTMLInputElement;
  ttl: HTMLInputElement;
  status: HTMLSelectElement;
  body: HTMLTableSectionElement;
  message: HTMLParagraphElement;
}

export function mountHoldsView(client: WalletClient, store: WalletStore, onMoved: () => void): HoldsView {
  const parts: HoldsParts = {
    fields: byId('holds-fields', HTMLFieldSetElement),
    picker: byId('hold-wallet', HTMLSelectElement),
    amount: byId('hold-amount', HTMLInputElement),
    ttl: byId('hold-ttl', HTMLInputElement),
    status: byId('holds-status', HTMLSelectElement),
    body: byId('holds-body', HTMLTableSectionElement),
    message: byId('holds-message', HTMLParagraphElement),
  };
  bindWalletPicker(store, parts.picker);
  const keys = new IntentKeys();
  const reload = (): Promise<void> => loadHolds(client, store, parts, keys, act, onMoved);
  // One action at a time: the card's fieldset and every row button are disabled while it runs.
  const act = (action: () => Promise<void>): Promise<void> =>
    whileBusy(parts.fields, async () => {
      await action();
      await reload();
    });

  for (const input of [parts.picker, parts.amount, parts.ttl])
    input.addEventListener('input', () => keys.drop('place'));
  parts.picker.addEventListener('change', () => void whileBusy(parts.fields, reload));
  parts.status.addEventListener('change', () => void whileBusy(parts.fields, reload));
  byId('holds-refresh', HTMLButtonElement).addEventListener('click', () => void whileBusy(parts.fields, reload));
  byId('hold-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void act(() => placeHold(client, store, parts, keys, onMoved));
  });
  return { reload: () => whileBusy(parts.fields, reload) };
}

/** One Idempotency-Key per pending intent ("place", "capture:<id>", "void:<id>"). */
class IntentKeys {
  private readonly keys = new Map<string, string>();

  for(intent: string): string {
    let key = this.keys.get(intent);
    if (key === undefined) {
      key = crypto.randomUUID();
      this.keys.set(intent, key);
    }
    return key;
  }

  drop(intent: string): void {
    this.keys.delete(intent);
  }

  /** Keeps the key only when the same request may be sent again (DESIGN §4.3). */
  settle(intent: string, result: ApiResult<unknown>): void {
    if (!isRetryable(result)) this.drop(intent);
  }
}

async function placeHold(
  client: WalletClient,
  store: WalletStore,
  parts: HoldsParts,
  keys: IntentKeys,
  onMoved: () => void,
): Promise<void> {
  const wallet = store.find(parts.picker.value);
  if (!wallet) return showMessage(parts.message, 'error', 'Choose a wallet first.');
  const amount = parseMajor(parts.amount.value, wallet.currency);
  if (!amount.ok) return showMessage(parts.message, 'error', `Amount: ${amount.reason}.`);
  const ttlSeconds = parts.ttl.valueAsNumber;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1)
    return showMessage(parts.message, 'error', 'Expires in: a whole number of seconds, at least 1.');
  const body = { walletId: wallet.id, amount: amount.amountMinor, expiresInSeconds: ttlSeconds };
  const idempotencyKey = keys.for('place');
  const result = await settle((options) => client.holds.create(body, { ...options, idempotencyKey }));
  keys.settle('place', result);
  if (!result.ok) return showMessage(parts.message, 'error', describeProblem(result.problem));
  store.update(result.data.wallet);
  onMoved();
  const held = formatMinor(result.data.wallet.heldBalance, wallet.currency);
  const available = formatMinor(result.data.wallet.availableBalance, wallet.currency);
  showMessage(
    parts.message,
    'ok',
    `Held ${formatMinor(result.data.hold.amount, wallet.currency)}; held now ${held}, available ${available}.`,
  );
}

async function loadHolds(
  client: WalletClient,
  store: WalletStore,
  parts: HoldsParts,
  keys: IntentKeys,
  act: (action: () => Promise<void>) => Promise<void>,
  onMoved: () => void,
): Promise<void> {
  const wallet = store.find(parts.picker.value);
  if (!wallet) return void parts.body.replaceChildren();
  const status = STATUSES.find((candidate) => candidate === parts.status.value);
  const query = { walletId: wallet.id, limit: HOLDS_SHOWN, ...(status ? { status } : {}) };
  const result = await settle((options) => client.holds.list(query, options));
  if (!result.ok) return showMessage(parts.message, 'error', describeProblem(result.problem));
  const rows = result.data.data.map((hold) =>
    holdRow(hold, wallet.currency, {
      capture: (amountText) => act(() => captureHold(client, { store, parts, keys, onMoved }, hold, amountText)),
      void: () => act(() => voidHold(client, { store, parts, keys, onMoved }, hold)),
      amountEdited: () => keys.drop(`capture:${hold.id}`),
    }),
  );
  parts.body.replaceChildren(...rows);
  if (rows.length === 0) parts.body.append(el('tr', {}, [el('td', { text: 'No holds.', className: 'muted' })]));
}

/** What a row action needs besides the client: the wallets, the card, the keys, the refresh. */
interface ActionContext {
  store: WalletStore;
  parts: HoldsParts;
  keys: IntentKeys;
  onMoved: () => void;
}

async function captureHold(
  client: WalletClient,
  { store, parts, keys, onMoved }: ActionContext,
  hold: Hold,
  amountText: string,
): Promise<void> {
  const wallet = store.find(hold.walletId);
  if (!wallet) return showMessage(parts.message, 'error', 'The wallet of this hold is not loaded.');
  let body = {};
  if (amountText.trim() !== '') {
    const amount = parseMajor(amountText, wallet.currency);
    if (!amount.ok) return showMessage(parts.message, 'error', `Capture amount: ${amount.reason}.`);
    body = { amount: amount.amountMinor };
  }
  const intent = `capture:${hold.id}`;
  const idempotencyKey = keys.for(intent);
  const result = await settle((options) => client.holds.capture(hold.id, body, { ...options, idempotencyKey }));
  keys.settle(intent, result);
  if (!result.ok) return showMessage(parts.message, 'error', describeProblem(result.problem));
  store.update(result.data.wallet);
  onMoved();
  const { hold: settled, wallet: after } = result.data;
  const released = settled.amount - settled.capturedAmount;
  showMessage(
    parts.message,
    'ok',
    `Captured ${formatMinor(settled.capturedAmount, wallet.currency)}, released ${formatMinor(released, wallet.currency)}; ` +
      `balance now ${formatMinor(after.balance, wallet.currency)}.`,
  );
}

async function voidHold(
  client: WalletClient,
  { store, parts, keys, onMoved }: ActionContext,
  hold: Hold,
): Promise<void> {
  const wallet = store.find(hold.walletId);
  if (!wallet) return showMessage(parts.message, 'error', 'The wallet of this hold is not loaded.');
  const intent = `void:${hold.id}`;
  const idempotencyKey = keys.for(intent);
  const result = await settle((options) => client.holds.void(hold.id, {}, { ...options, idempotencyKey }));
  keys.settle(intent, result);
  if (!result.ok) return showMessage(parts.message, 'error', describeProblem(result.problem));
  store.update(result.data.wallet);
  onMoved();
  const available = formatMinor(result.data.wallet.availableBalance, wallet.currency);
  showMessage(
    parts.message,
    'ok',
    `Voided; ${formatMinor(hold.amount, wallet.currency)} available again (${available}).`,
  );
}

interface RowActions {
  capture(amountText: string): Promise<void>;
  void(): Promise<void>;
  amountEdited(): void;
}

function holdRow(hold: Hold, currency: string, actions: RowActions): HTMLTableRowElement {
  const expired = hold.status === 'active' && Date.parse(hold.expiresAt) <= Date.now();
  const status = expired ? 'active (past expiry)' : hold.status;
  const cells = [
    el('td', { text: new Date(hold.createdAt).toLocaleString() }),
    el('td', { text: formatMinor(hold.amount, currency), className: 'num' }),
    el('td', { text: formatMinor(hold.capturedAmount, currency), className: 'num' }),
    el('td', { text: status, className: `status ${hold.status}` }),
    el('td', { text: new Date(hold.expiresAt).toLocaleString(), title: hold.expiresAt }),
    el('td', {}, hold.status === 'active' ? activeControls(actions) : []),
    el('td', { text: hold.id, className: 'id' }),
  ];
  const row = el('tr', {}, cells);
  row.dataset.holdId = hold.id;
  row.dataset.status = hold.status;
  return row;
}

function activeControls(actions: RowActions): Node[] {
  const amount = el('input', { className: 'capture-amount short' });
  amount.type = 'text';
  amount.inputMode = 'decimal';
  amount.placeholder = 'all';
  amount.setAttribute('aria-label', 'capture amount (empty: the whole hold)');
  amount.addEventListener('input', actions.amountEdited);
  const capture = el('button', { text: 'Capture', className: 'capture' });
  capture.type = 'button';
  capture.addEventListener('click', () => void actions.capture(amount.value));
  const cancel = el('button', { text: 'Void', className: 'void secondary' });
  cancel.type = 'button';
  cancel.addEventListener('click', () => void actions.void());
  return [amount, capture, cancel];
}
