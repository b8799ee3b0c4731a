import type pg from 'pg';
import type { ExpireHoldsCommand, Hold, HoldStatus, StoredHold } from '@wallet/ledger';
import { holdFromRow } from './mapping.js';
import { param, prepare, sql, type Fragment } from './named-sql.js';
import { ISO_FORMAT, holdJsonSql } from './sql-util.js';

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
  const statement = filtered
    ? paged
      ? PAGES.statusBefore
      : PAGES.status
    : paged
      ? PAGES.allBefore
      : PAGES.all;
  const { rows } = await pool.query(
    statement.query({ walletId, limit: query.limit, status: query.status, beforeSeq: query.beforeSeq }),
  );
  return rows.map(holdFromRow);
}

const NOW_ISO = sql`to_char(${param('now')}::timestamptz AT TIME ZONE 'UTC', ${ISO_FORMAT})`;

/**
 * One sweep batch in ONE statement: active holds past expiresAt by the database's clock,
 * taken FOR UPDATE SKIP LOCKED (a concurrent sweeper, capture or void holding one is passed
 * over, and the condition is re-checked on the latest row), marked expired, their wallets
 * released in id order, one hold.expired event and one audit row each (actor "system").
 */
const EXPIRE = prepare(
  'holds-expire',
  sql`
WITH due AS (
  SELECT id FROM holds WHERE status = 'active' AND expires_at <= now()
   ORDER BY expires_at LIMIT ${param('limit')} FOR UPDATE SKIP LOCKED
), h AS (
  UPDATE holds SET status = 'expired', updated_at = ${param('now')}
    FROM due WHERE holds.id = due.id AND holds.status = 'active'
  RETURNING holds.*
), locked AS (
  SELECT id FROM wallets WHERE id IN (SELECT wallet_id FROM h) ORDER BY id FOR UPDATE
), w AS (
  UPDATE wallets SET held_balance = held_balance - s.total, updated_at = ${param('now')}
    FROM (SELECT wallet_id, sum(amount) AS total FROM h GROUP BY wallet_id) s
   WHERE wallets.id = s.wallet_id AND (SELECT count(*) FROM locked) > 0
  RETURNING wallets.*
), events AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT e.event_id, 'hold.expired', json_build_object('id', e.event_id, 'type', 'hold.expired', 'userId', w.user_id,
           'walletId', w.id, 'holdId', e.id, 'currency', w.currency, 'amount', e.amount, 'balanceAfter', w.balance,
           'occurredAt', ${NOW_ISO}), ${param('now')}
    FROM (SELECT h.*, gen_random_uuid() AS event_id FROM h) e JOIN w ON w.id = e.wallet_id
), audit AS (
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT gen_random_uuid(), 'system', '-', 'hold.expire', h.wallet_id, h.amount, 'ok', ${param('requestId')},
         ${param('now')}
    FROM h
)
SELECT COALESCE((SELECT json_agg(${holdJsonSql('h')}) FROM h), '[]'::json) AS released`,
);

export async function expireHolds(pool: pg.Pool, command: ExpireHoldsCommand): Promise<Hold[]> {
  const { rows } = await pool.query(
    EXPIRE.query({ limit: command.limit, now: command.now, requestId: command.requestId }),
  );
  return (rows[0] as { released: Hold[] }).released;
}
