import type pg from 'pg';
import type { ExpireHoldsCommand, Hold, HoldStatus, StoredHold } from '@wallet/ledger';
import { holdFromRow } from './mapping.js';
import { holdJsonSql, isoSql } from './sql-util.js';

const HOLD_COLUMNS = 'h.*, w.user_id';

export async function getHold(pool: pg.Pool, holdId: string): Promise<StoredHold | null> {
  const { rows } = await pool.query({
    name: 'hold-get',
    text: `SELECT ${HOLD_COLUMNS} FROM holds h JOIN wallets w ON w.id = h.wallet_id WHERE h.id = $1`,
    values: [holdId],
  });
  return rows[0] ? holdFromRow(rows[0]) : null;
}

/**
 * Newest first on the per-wallet seq. One named statement per filter shape, not one with
 * "$2 IS NULL OR": a cached generic plan must still use the (wallet_id, [status,] seq) index.
 */
export async function listHolds(
  pool: pg.Pool,
  walletId: string,
  page: { status?: HoldStatus; limit: number; beforeSeq?: number },
): Promise<StoredHold[]> {
  const conditions = ['h.wallet_id = $1'];
  const values: unknown[] = [walletId, page.limit];
  if (page.status !== undefined) {
    values.push(page.status);
    conditions.push(`h.status = $${values.length}`);
  }
  if (page.beforeSeq !== undefined) {
    values.push(page.beforeSeq);
    conditions.push(`h.seq < $${values.length}`);
  }
  const { rows } = await pool.query({
    name: `holds-page-${page.status === undefined ? 'all' : 'status'}-${page.beforeSeq === undefined ? 'first' : 'next'}`,
    text: `SELECT ${HOLD_COLUMNS} FROM holds h JOIN wallets w ON w.id = h.wallet_id
            WHERE ${conditions.join(' AND ')} ORDER BY h.seq DESC LIMIT $2`,
    values,
  });
  return rows.map(holdFromRow);
}

/**
 * One sweep batch in ONE statement: active holds past expiresAt by the database's clock,
 * taken FOR UPDATE SKIP LOCKED (a concurrent sweeper, capture or void holding one is passed
 * over, and its condition is re-checked on the latest row), marked expired, their wallets
 * released in id order, one hold.expired event and one audit row each.
 */
const EXPIRE_SQL = `
WITH due AS (
  SELECT id FROM holds WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
), h AS (
  UPDATE holds SET status = 'expired', updated_at = $2 FROM due WHERE holds.id = due.id AND holds.status = 'active'
  RETURNING holds.*
), locked AS (
  SELECT id FROM wallets WHERE id IN (SELECT wallet_id FROM h) ORDER BY id FOR UPDATE
), w AS (
  UPDATE wallets SET held_balance = held_balance - s.total, updated_at = $2
    FROM (SELECT wallet_id, sum(amount) AS total FROM h GROUP BY wallet_id) s
   WHERE wallets.id = s.wallet_id AND (SELECT count(*) FROM locked) > 0
  RETURNING wallets.*
), events AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT e.event_id, 'hold.expired', json_build_object('id', e.event_id, 'type', 'hold.expired', 'userId', w.user_id,
           'walletId', w.id, 'holdId', e.id, 'currency', w.currency, 'amount', e.amount, 'balanceAfter', w.balance,
           'occurredAt', ${isoSql('$2::timestamptz')}), $2
    FROM (SELECT h.*, gen_random_uuid() AS event_id FROM h) e JOIN w ON w.id = e.wallet_id
), audit AS (
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT gen_random_uuid(), 'system', '-', 'hold.expire', h.wallet_id, h.amount, 'ok', $3, $2 FROM h
)
SELECT COALESCE((SELECT json_agg(${holdJsonSql('h')}) FROM h), '[]'::json) AS released`;

export async function expireHolds(pool: pg.Pool, command: ExpireHoldsCommand): Promise<Hold[]> {
  const { rows } = await pool.query({
    name: 'holds-expire',
    text: EXPIRE_SQL,
    values: [command.limit, command.now, command.requestId],
  });
  return (rows[0] as { released: Hold[] }).released;
}
