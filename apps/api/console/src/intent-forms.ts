// Credit, debit and transfer forms. Each form holds one Idempotency-Key per intent: it is
// drawn when the form is opened or reset, shown, and reused when the same intent is sent
// again after an answer that may be retried; a final answer starts a new intent.
import type { BalanceResult, TransferResult, WalletClient } from '@wallet/client';
import { byId, showMessage, whileBusy, within } from './dom.js';
import { describeProblem, settle, type ApiResult } from './api.js';
import { formatMinor, parseMajor } from './money-format.js';
import { bindWalletPicker, type WalletStore } from './wallet-store.js';

type IntentKind = 'credit' | 'debit' | 'transfer';

/**
 * Answers after which the same request may be sent again with the same key (DESIGN §4.3): the
 * client's own retries gave up on a retryable error, or the server ran out of CAS attempts.
 */
export function isRetryable(result: ApiResult<unknown>): boolean {
  if (result.ok) return false;
  return result.problem.retryable || result.problem.code === 'concurrent_modification' || result.status >= 500;
}

interface IntentParts {
  form: HTMLFormElement;
  fields: HTMLFieldSetElement;
  wallet: HTMLSelectElement;
  amount: HTMLInputElement;
  target: HTMLInputElement | null;
  keyValue: HTMLElement;
  message: HTMLParagraphElement;
}

/** The forms, in page order: each is the `#intent-form` template with its title and wallet label. */
const INTENT_FORMS: ReadonlyArray<{ kind: IntentKind; title: string; walletLabel: string }> = [
  { kind: 'credit', title: 'Credit', walletLabel: 'Wallet' },
  { kind: 'debit', title: 'Debit', walletLabel: 'Wallet' },
  { kind: 'transfer', title: 'Transfer', walletLabel: 'From' },
];

export function mountIntentForms(client: WalletClient, store: WalletStore, onMoved: () => void): void {
  const template = byId('intent-form', HTMLTemplateElement);
  for (const spec of INTENT_FORMS) {
    const form = renderIntentForm(template, spec);
    mountIntentForm(spec.kind, partsOf(form, spec.kind), client, store, onMoved);
  }
}

/** Clones the template as `#<kind>-form` just before it; only the transfer form keeps its target field. */
function renderIntentForm(template: HTMLTemplateElement, spec: (typeof INTENT_FORMS)[number]): HTMLFormElement {
  const copy = document.importNode(template.content, true);
  const form = within(copy, 'form', HTMLFormElement);
  form.id = `${spec.kind}-form`;
  form.dataset.kind = spec.kind;
  for (const title of form.querySelectorAll('.intent-title')) title.textContent = spec.title;
  within(form, '.wallet-label', HTMLElement).textContent = spec.walletLabel;
  if (spec.kind !== 'transfer') within(form, '.target', HTMLLabelElement).remove();
  template.before(copy);
  return form;
}

function partsOf(form: HTMLFormElement, kind: IntentKind): IntentParts {
  return {
    form,
    fields: within(form, 'fieldset', HTMLFieldSetElement),
    wallet: within(form, 'select[name="walletId"]', HTMLSelectElement),
    amount: within(form, 'input[name="amount"]', HTMLInputElement),
    target: kind === 'transfer' ? within(form, 'input[name="toWalletId"]', HTMLInputElement) : null,
    keyValue: within(form, '.key-value', HTMLElement),
    message: within(form, '.message', HTMLParagraphElement),
  };
}

function mountIntentForm(
  kind: IntentKind,
  parts: IntentParts,
  client: WalletClient,
  store: WalletStore,
  onMoved: () => void,
): void {
  let key = '';
  const resetKey = (): void => {
    key = crypto.randomUUID();
    parts.keyValue.textContent = key;
  };
  resetKey();
  bindWalletPicker(store, parts.wallet);
  within(parts.form, '.new-key', HTMLButtonElement).addEventListener('click', resetKey);
  // Changing what is asked for is a new intent: reusing the key would be refused (422).
  parts.form.addEventListener('input', resetKey);

  parts.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy(parts.fields, async () => {
      const wallet = store.find(parts.wallet.value);
      if (!wallet)
        return showMessage(parts.message, 'error', 'Choose a wallet first (create one in the Wallets card).');
      const amount = parseMajor(parts.amount.value, wallet.currency);
      if (!amount.ok) return showMessage(parts.message, 'error', `Amount: ${amount.reason}.`);
      const sentKey = key;
      const result = await send(kind, client, wallet.id, amount.amountMinor, parts.target?.value.trim() ?? '', sentKey);
      if (isRetryable(result)) {
        const problem = result.ok ? '' : describeProblem(result.problem);
        return showMessage(parts.message, 'error', `${problem}. Send again to retry with the same key.`);
      }
      resetKey();
      if (!result.ok) return showMessage(parts.message, 'error', describeProblem(result.problem));
      const replay = result.replayed ? ' (replayed: no second effect)' : '';
      showMessage(parts.message, 'ok', `${successText(kind, result.data, wallet.currency)}${replay} · key ${sentKey}`);
      onMoved();
    });
  });
}

async function send(
  kind: IntentKind,
  client: WalletClient,
  walletId: string,
  amountMinor: number,
  toWalletId: string,
  idempotencyKey: string,
): Promise<ApiResult<BalanceResult | TransferResult>> {
  if (kind === 'transfer') {
    const body = { fromWalletId: walletId, toWalletId, amount: amountMinor };
    return settle((options) => client.transfers.create(body, { ...options, idempotencyKey }));
  }
  const body = { walletId, amount: amountMinor };
  return settle((options) => client.wallets[kind](body, { ...options, idempotencyKey }));
}

function successText(kind: IntentKind, data: BalanceResult | TransferResult, currency: string): string {
  if ('transferId' in data) {
    return `Transferred ${formatMinor(data.debit.amount, currency)}; transfer ${data.transferId}`;
  }
  const verb = kind === 'credit' ? 'Credited' : 'Debited';
  return `${verb} ${formatMinor(data.transaction.amount, currency)}; balance now ${formatMinor(data.wallet.balance, currency)}`;
}
