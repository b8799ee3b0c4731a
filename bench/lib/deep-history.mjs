// The wallet of the history-depth curve: 110,000 entries, too many to write through the API
// in a bench. The wallet is created through the API (so its owner and row are the API's);
// its entries are then written by one SQL statement in the bench schema, consistent with the
// wallet row as the store writes them: credits of 1, seq 1..N, balance_before = seq − 1,
// balance_after = seq, and the wallet's balance = N (sum of the entries), version = N.
// Cursors are signed in the bench with the API's own codec and key derivation (built dist),
// and checked once against a cursor the API handed out.
import { URLSearchParams } from 'node:url';
import { CursorCodec } from '../../packages/ledger/dist/cursor.js';
import { cursorSecretFor } from '../../apps/api/dist/plugins/app/ledger.js';
import { expectApi } from './api-client.mjs';

export const DEEP_HISTORY = {
  /** Deepest curve point (100,000) + the window of distinct cursors + one page. */
  entries: 110_000,
  /** Distinct cursor positions per uncached point: more than a short point's requests. */
  window: 8_000,
  pageSize: 20,
};

export async function seedDeepHistory(baseUrl, { db, schema, jwtSecret, token, userId }) {
  const created = await expectApi(
    baseUrl,
    { method: 'POST', path: '/api/wallets', token, body: { currency: 'USD' } },
    [201],
  );
  const walletId = created.json.data.id;
  const n = DEEP_HISTORY.entries;
  await db.query(
    `WITH entries AS (
       INSERT INTO ${schema}.ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, metadata, created_at)
       SELECT gen_random_uuid(), $1, g, 'credit', 1, g - 1, g, '{}'::json,
              now() - interval '1 hour' + g * interval '1 millisecond'
         FROM generate_series(1, $2::bigint) AS g
       RETURNING amount)
     UPDATE ${schema}.wallets
        SET balance = (SELECT sum(amount) FROM entries)::bigint, version = $2, updated_at = now()
      WHERE id = $1 AND version = 0`,
    [walletId, n],
  );
  const codec = new CursorCodec(cursorSecretFor({ JWT_SECRET: jwtSecret }));
  // The page whose first entry is `depth` back: entries older than seq N − depth + 1.
  const cursorAt = (depth) => codec.encode({ userId, walletId, seq: n - depth + 1 });
  await checkCursor(baseUrl, token, walletId, cursorAt(DEEP_HISTORY.pageSize));
  return { walletId, token, entries: n, window: DEEP_HISTORY.window, cursorAt };
}

/** The API's own first-page cursor must equal the bench's signing of the same position. */
async function checkCursor(baseUrl, token, walletId, signed) {
  const query = new URLSearchParams({ walletId, limit: String(DEEP_HISTORY.pageSize) });
  const first = await expectApi(baseUrl, { path: `/api/transactions?${query}`, token }, [200]);
  const issued = first.json?.nextCursor;
  const top = first.json?.data?.[0];
  if (issued !== signed || top?.balanceAfter !== DEEP_HISTORY.entries) {
    throw new Error('deep history: the bench-signed cursor or the seeded entries do not match what the API serves');
  }
}
