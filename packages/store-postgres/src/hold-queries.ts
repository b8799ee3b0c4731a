import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ExpireHoldsCommand, Hold, HoldStatus, StoredHold } from '@wallet/ledger';
import { auditEventFor, holdEventFor, releaseOf } from '@wallet/ledger/store-kit';
import { holdFromRow, walletFromRow, reviveJsonRow } from './mapping.js';
import { param, prepare, sql, type Fragment } from './sql-util.js';
import { rollbackWith, withTransaction } from './transaction.js';
import { writeChanges, type Changes } from './write-changes.js';

const GET_HOLD = prepare(
  'hold-get',
  sql`SELECT h.*, w.user_id FROM holds h JOIN wallets w ON w.id = h.wallet_id WHERE h.id = ${param('holdId')}`,
);

export async function getHold(pool: pg.Pool, holdId: string): Promise<StoredHold | null> {
  const { rows } = await pool.query(GET_HOLD.query({ holdId }));
  return rows[0] ? holdFromRow(rows[0]) : null;
}

type PageParam = 'walletId' | 'limit' | 'status' | 'beforeSeq';

const page = (name: string, filter: Fragment<PageParam>) =>
  prepare<PageParam>(
    name,
    sql<PageParam>`SELECT h.*, w.user_id FROM holds h JOIN wallets w ON w.id = h.wallet_id
         WHERE h.wallet_id = ${param('walletId')} ${filter} ORDER BY h.seq DESC LIMIT ${param('limit')}`,
  );
const STATUS = sql<PageParam>`AND h.status = ${param('status')}`;
const BEFORE = sql<PageParam>`AND h.seq < ${param('beforeSeq')}`;

/**
 * Newest first on the per-wallet seq. One named statement per filter shape, not one with
 * "status IS NULL OR": a cached generic plan must still use the (wallet_id, [status,] seq) index.
 */
const PAGES = {
  all: page('holds-page-all', sql``),
  allBefore: page('holds-page-all-before', BEFORE),
  status: page('holds-page-status', STATUS),
  statusBefore: page('holds-page-status-before', sql<PageParam>`${STATUS} ${BEFORE}`),
};

export async function listHolds(
  pool: pg.Pool,
  walletId: string,
  query: { status?: HoldStatus; limit: number; beforeSeq?: number },
): Promise<StoredHold[]> {
  const filtered = query.status !== undefined;
  const paged = query.beforeSeq !== undefined;
  const statement = filtered ? (paged ? PAGES.statusBefore : PAGES.status) : paged ? PAGES.allBefore : PAGES.all;
  const { rows } = await pool.query(
    statement.query({ walletId, limit: query.limit, status: query.status, beforeSeq: query.beforeSeq }),
  );
  return rows.map(holdFromRow);
}

/**
 * The first statement of a sweep batch: active holds past expiresAt by the database's clock,
 * taken FOR UPDATE SKIP LOCKED (a hold a capture, void or other sweeper holds is passed over;
 * one it already settled no longer matches), then their wallets in id order.
 */
const LOCK_DUE = prepare(
  'holds-lock-due',
  sql`
WITH due AS (
  SELECT * FROM holds WHERE status = 'active' AND expires_at <= clock_timestamp()
   ORDER BY expires_at LIMIT ${param('limit')} FOR UPDATE SKIP LOCKED
), locked AS (
  SELECT * FROM wallets WHERE id = ANY(ARRAY(SELECT wallet_id FROM due)) ORDER BY id FOR UPDATE
)
SELECT (SELECT json_agg(row_to_json(due)) FROM due) AS holds, (SELECT json_agg(row_to_json(locked)) FROM locked) AS wallets`,
);

/**
 * One sweep batch: one transaction (BEGIN, lock, write, COMMIT). Each due hold is released
 * by the ledger's rule (releaseOf) with its hold.expired event and an audit row (actor
 * "system"); a wallet with several due holds releases them one after the other.
 */
export async function expireHolds(pool: pg.Pool, command: ExpireHoldsCommand): Promise<Hold[]> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query(LOCK_DUE.query({ limit: command.limit }));
    const row = rows[0] as {
      holds: Array<Record<string, unknown>> | null;
      wallets: Array<Record<string, unknown>> | null;
    };
    const current = new Map(
      (row.wallets ?? []).map((wallet) => [wallet.id as string, walletFromRow(reviveJsonRow(wallet))]),
    );
    const due: StoredHold[] = (row.holds ?? []).map((hold) =>
      holdFromRow({ ...reviveJsonRow(hold), user_id: current.get(hold.wallet_id as string)!.userId }),
    );
    if (due.length === 0) return rollbackWith<Hold[]>([]);
    const first = new Map(current);
    const context = { userId: 'system', requestId: command.requestId, ip: '-', now: command.now };
    const released: Hold[] = [];
    const changes: Changes = { holds: [], wallets: [], reversed: [], entries: [], events: [], audits: [] };
    for (const hold of due) {
      const result = releaseOf(hold, current.get(hold.walletId)!, 'expired', command);
      current.set(hold.walletId, result.wallet.after);
      released.push(result.hold);
      changes.holds.push(result.hold);
      changes.events.push(holdEventFor('hold.expired', randomUUID(), result.hold, result.wallet.after, command.now));
      changes.audits.push(
        auditEventFor(context, 'hold.expire', 'ok', { id: randomUUID(), walletId: hold.walletId, amount: hold.amount }),
      );
    }
    changes.wallets = [...current.entries()].map(([id, after]) => ({ before: first.get(id)!, after }));
    await writeChanges(client, context, 'hold.expire', null, changes);
    return released;
  });
}
