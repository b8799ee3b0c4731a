import type { Filter } from 'mongodb';
import type { Wallet } from '@wallet/ledger';
import type { Collections } from './collections.js';
import type { WalletDoc } from './documents.js';
import { DOC_READ, toDate, walletFromDoc } from './mapping.js';

/** A page of a user's wallets in (createdAt, _id) order, on the wallets_user_created index. */
export async function listWallets(
  collections: Collections,
  userId: string,
  page: { limit: number; after?: { createdAt: string; id: string } },
  timeoutMs: number,
): Promise<Wallet[]> {
  let filter: Filter<WalletDoc> = { userId };
  if (page.after) {
    const createdAt = toDate(page.after.createdAt, 'cursor.createdAt');
    filter = {
      userId,
      $or: [{ createdAt: { $gt: createdAt } }, { createdAt, _id: { $gt: page.after.id } }],
    };
  }
  const docs = await collections.wallets
    .find(filter, { sort: { createdAt: 1, _id: 1 }, limit: page.limit, maxTimeMS: timeoutMs, ...DOC_READ })
    .toArray();
  return docs.map(walletFromDoc);
}
