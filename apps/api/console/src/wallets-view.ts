// The wallets card: the caller's wallets with balances, and the create-wallet form.
// Creating a wallet is idempotent too: the key belongs to the intent, not the click.
import type { Wallet, WalletClient } from '@wallet/client';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, settle } from './api.js';
import { formatMinor } from './money-format.js';
import type { WalletStore } from './wallet-store.js';

export function mountWalletsView(client: WalletClient, store: WalletStore): void {
  const fields = byId('wallets-fields', HTMLFieldSetElement);
  const body = byId('wallets-body', HTMLTableSectionElement);
  const message = byId('wallets-message', HTMLParagraphElement);
  const currencyInput = byId('create-currency', HTMLInputElement);
  let createKey = crypto.randomUUID();

  store.onChange((wallets) => {
    body.replaceChildren(...wallets.map(walletRow));
    if (wallets.length === 0)
      body.append(el('tr', {}, [el('td', { text: 'No wallets yet: create one below.', className: 'muted' })]));
  });

  byId('wallets-refresh', HTMLButtonElement).addEventListener('click', () => {
    void whileBusy(fields, async () => {
      const problem = await store.refresh();
      if (problem) showMessage(message, 'error', describeProblem(problem));
      else showMessage(message, 'info', `Loaded ${store.list().length} wallet(s).`);
    });
  });

  currencyInput.addEventListener('input', () => {
    createKey = crypto.randomUUID();
  });

  byId('create-wallet', HTMLButtonElement).addEventListener('click', () => {
    void whileBusy(fields, async () => {
      const currency = currencyInput.value.trim().toUpperCase();
      if (!/^[A-Z]{3}$/.test(currency)) {
        showMessage(message, 'error', 'Currency must be three letters, such as EUR.');
        return;
      }
      const idempotencyKey = createKey;
      const result = await settle((options) => client.wallets.create({ currency }, { ...options, idempotencyKey }));
      if (!result.ok) {
        showMessage(message, 'error', describeProblem(result.problem));
        return;
      }
      createKey = crypto.randomUUID();
      store.update(result.data);
      showMessage(message, 'ok', `Created ${currency} wallet ${result.data.id}.`);
    });
  });
}

function walletRow(wallet: Wallet): HTMLTableRowElement {
  const row = el('tr', {}, [
    el('td', { text: wallet.currency }),
    el('td', { text: formatMinor(wallet.balance, wallet.currency), className: 'num' }),
    el('td', { text: formatMinor(wallet.heldBalance, wallet.currency), className: 'num' }),
    el('td', { text: formatMinor(wallet.availableBalance, wallet.currency), className: 'num' }),
    el('td', { text: String(wallet.version), className: 'num' }),
    el('td', { text: wallet.id, className: 'id' }),
  ]);
  row.dataset.walletId = wallet.id;
  return row;
}
