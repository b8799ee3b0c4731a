// Recomputes a wallet's balance from its ledger: walks every history page and adds each
// entry's signed effect (credits, incoming transfers and captures in; debits, outgoing
// transfers and captures out; reversals by their own direction). Bounded, so a huge wallet
// is reported as "too long to check here" instead of hanging the page.
import type { WalletClient } from '@wallet/client';
import { settle, type Problem } from './api.js';
import { signedAmountMinor } from './entry-sign.js';

const PAGE_SIZE = 100;
/** 50 pages of 100: enough for any demo wallet; beyond it the console does not guess. */
const PAGES_MAX = 50;

export type LedgerSum =
  { ok: true; sumMinor: number; entries: number } | { ok: false; reason: string; problem?: Problem };

export async function ledgerSum(client: WalletClient, walletId: string): Promise<LedgerSum> {
  let sumMinor = 0;
  let entries = 0;
  let cursor: string | undefined;
  for (let page = 0; page < PAGES_MAX; page += 1) {
    const query = { walletId, limit: PAGE_SIZE, cursor };
    const result = await settle((options) => client.transactions.list(query, options));
    if (!result.ok) return { ok: false, reason: 'history could not be read', problem: result.problem };
    for (const entry of result.data.data) {
      sumMinor += signedAmountMinor(entry);
      entries += 1;
    }
    cursor = result.data.nextCursor ?? undefined;
    if (cursor === undefined) return { ok: true, sumMinor, entries };
  }
  return { ok: false, reason: `more than ${PAGES_MAX * PAGE_SIZE} entries: too long to check here` };
}
