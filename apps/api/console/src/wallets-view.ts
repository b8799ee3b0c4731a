// The wallets card: the caller's wallets with balances, and the create-wallet form.
// Creating a wallet is idempotent too: the key belongs to the intent, not the click.
import type { Wallet } from '../../../../packages/ledger/src/types.js';
import { byId, el, showMessage, whileBusy } from './dom.js';
import { describeProblem, type HttpClient } from './http-client.js';
import { formatMinor } from './money-format.js';
import type { WalletStore } from './wallet-store.js';

export function mountWalletsView(http: HttpClient, store: WalletStore): void {
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
      const result = await http.request<Wallet>('POST', '/api/wallets', {
        body: { currency },
        idempotencyKey: createKey,
      });
      if (!result.ok) {
        showMessage(message, 'error', describeProblem(result.problem));
        return;
      }
      createKey = crypto.randomUUID();
      store.update(result.body.data);
      showMessage(message, 'ok', `Created ${currency} wallet ${result.body.data.id}.`);
    });
  });
}

function walletRow(wallet: Wallet): HTMLTableRowElement {
  const row = el('tr', {}, [
    el('td', { text: wallet.currency }),
    el('td', { text: formatMinor(wallet.balance, wallet.currency), className: 'num' }),
    el('td', { text: String(wallet.version), className: 'num' }),
    el('td', { text: wallet.id, className: 'id' }),
  ]);
  row.dataset.walletId = wallet.id;
  return row;
}
