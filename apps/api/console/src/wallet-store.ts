// The caller's wallets, loaded once and shared by every view: a refresh re-renders the
// table and every wallet picker, keeping each picker's current choice.
import type { CallOptions, Wallet, WalletClient } from '@wallet/client';
import { settle, type Problem } from './api.js';
import { byId, el } from './dom.js';
import { formatMinor } from './money-format.js';

/** 10 pages of 100 wallets: more than one person has currencies. */
const WALLET_PAGES_MAX = 10;

type Listener = (wallets: readonly Wallet[]) => void;

export class WalletStore {
  private wallets: Wallet[] = [];
  private readonly listeners: Listener[] = [];

  constructor(private readonly client: WalletClient) {}

  list(): readonly Wallet[] {
    return this.wallets;
  }

  find(walletId: string): Wallet | undefined {
    return this.wallets.find((wallet) => wallet.id === walletId);
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
    listener(this.wallets);
  }

  /** Reloads from the API; returns the problem when the API refused. */
  async refresh(): Promise<Problem | null> {
    const result = await settle((options) => this.listAll(options));
    if (!result.ok) return result.problem;
    this.set(result.data);
    return null;
  }

  /** Every page of the caller's wallets. */
  private async listAll(options: CallOptions): Promise<Wallet[]> {
    const wallets: Wallet[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < WALLET_PAGES_MAX; page += 1) {
      const result = await this.client.wallets.list({ cursor }, options);
      wallets.push(...result.data);
      cursor = result.nextCursor ?? undefined;
      if (cursor === undefined) break;
    }
    return wallets;
  }

  /** Takes a wallet the API just returned (after a credit, say) without a round trip. */
  update(wallet: Wallet): void {
    const others = this.wallets.filter((known) => known.id !== wallet.id);
    this.set([...others, wallet]);
  }

  clear(): void {
    this.set([]);
  }

  private set(wallets: Wallet[]): void {
    this.wallets = [...wallets].sort((a, b) => a.currency.localeCompare(b.currency) || a.id.localeCompare(b.id));
    for (const listener of this.listeners) listener(this.wallets);
  }
}

/** Keeps a <select> in step with the wallets, preserving the chosen wallet when possible. */
export function bindWalletPicker(store: WalletStore, select: HTMLSelectElement): void {
  store.onChange((wallets) => {
    const chosen = select.value;
    select.replaceChildren(
      ...wallets.map((wallet) => {
        const option = el('option', { text: `${wallet.currency} · ${formatMinor(wallet.balance, wallet.currency)}` });
        option.value = wallet.id;
        return option;
      }),
    );
    if (wallets.some((wallet) => wallet.id === chosen)) select.value = chosen;
  });
}

/** The parts every card with a wallet picker has: `<card>-fields`, `<card>-wallet` and `<card>-message`. */
export interface PickerCard {
  fields: HTMLFieldSetElement;
  /** Bound to the store: lists the caller's wallets, keeping the choice across refreshes. */
  picker: HTMLSelectElement;
  message: HTMLParagraphElement;
}

export function pickerCard(card: string, store: WalletStore): PickerCard {
  const fields = byId(`${card}-fields`, HTMLFieldSetElement);
  const picker = byId(`${card}-wallet`, HTMLSelectElement);
  const message = byId(`${card}-message`, HTMLParagraphElement);
  bindWalletPicker(store, picker);
  return { fields, picker, message };
}
