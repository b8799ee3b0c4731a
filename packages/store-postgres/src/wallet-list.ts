import type pg from 'pg';
import type { Wallet } from '@wallet/ledger';
import { walletFromRow } from './mapping.js';

/** A page of a user's wallets in (created_at, id) order, on the wallets_user_page index. */
export async function listWallets(
  pool: pg.Pool,
  userId: string,
  page: { limit: number; after?: { createdAt: string; id: string } },
): Promise<Wallet[]> {
  const { rows } = page.after
    ? await pool.query({
        name: 'wallet-list-after',
        text: `SELECT * FROM wallets WHERE user_id = $1 AND (created_at, id) > ($2::timestamptz, $3::uuid)
               ORDER BY created_at, id LIMIT $4`,
        values: [userId, page.after.createdAt, page.after.id, page.limit],
      })
    : await pool.query({
        name: 'wallet-list-first',
        text: 'SELECT * FROM wallets WHERE user_id = $1 ORDER BY created_at, id LIMIT $2',
        values: [userId, page.limit],
      });
  return rows.map(walletFromRow);
}
