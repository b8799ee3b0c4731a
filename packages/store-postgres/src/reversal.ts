import type pg from 'pg';
import { VersionConflict, type ReverseCommand, type WriteOutcome } from '@wallet/ledger';
import { auditEventFor, isRemembered, judgeReversal, refusalReply } from '@wallet/ledger/store-kit';
import { entryFromRow, idempotencyFromRow, walletFromRow } from './mapping.js';
import { param, prepare, sql } from './named-sql.js';
import { recordRefusal } from './refusal.js';
import { ISO_FORMAT, entryJsonSql, walletJsonSql } from './sql-util.js';
import { auditParams, insertAudit, insertRecord, recordParams } from './write-common.js';

type Row = Record<string, unknown>;

/** Entries that point at the other side of `y`: a transfer's other leg, a capture's capture_in and back. */
const OTHER_SIDE = (x: string, y: string) => `
  ((${y}.type = 'transfer_in' AND ${x}.transfer_id = ${y}.transfer_id AND ${x}.type = 'transfer_out')
   OR (${y}.type = 'capture' AND ${x}.hold_id = ${y}.hold_id AND ${x}.type = 'capture_in')
   OR (${y}.type = 'capture_in' AND ${x}.hold_id = ${y}.hold_id AND ${x}.type = 'capture'))`;

/** Reversing an inflow takes money out of its wallet; reversing an outflow gives it back. */
const SIGN = (alias: string) => `CASE WHEN ${alias}.type IN ('credit', 'transfer_in', 'capture_in') THEN -1 ELSE 1 END`;

/** The amount this reversal moves, from the LOCKED original row `eo`. */
const AMOUNT = sql`COALESCE(${param('amount')}::bigint, eo.amount - eo.reversed_amount)`;

const NOW_ISO = sql`to_char(${param('now')}::timestamptz AT TIME ZONE 'UTC', ${ISO_FORMAT})`;

/**
 * A reversal in ONE statement. The original (when the caller owns its wallet and it is
 * reversible) and its other side are read, then both entries and both wallets are locked
 * in id order (FOR UPDATE returns their latest committed rows), and the gate decides on
 * those locked rows: something left to reverse, reversed + amount <= amount, and each
 * wallet stays within [held, max]. Only then do both entries' reversedAmount, both wallets
 * and both reversal entries change, with their events, the record and the audit row: all
 * of it or none, and concurrent reversals of one entry queue on its row lock.
 */
const REVERSE = prepare(
  'transaction-reverse',
  sql`
WITH prior AS (
  SELECT * FROM idempotency_keys
   WHERE ${param('recordKey')}::text IS NOT NULL AND user_id = ${param('userId')} AND key = ${param('recordKey')}
), o AS (
  SELECT e.* FROM ledger_entries e JOIN wallets ow ON ow.id = e.wallet_id
   WHERE e.id = ${param('originalId')} AND ow.user_id = ${param('userId')}
     AND e.type IN ('credit', 'debit', 'capture', 'transfer_in', 'capture_in') AND NOT EXISTS (SELECT 1 FROM prior)
), c AS (
  SELECT x.id, x.wallet_id FROM ledger_entries x JOIN o ON ${OTHER_SIDE('x', 'o')}
), el AS (
  SELECT id, amount, reversed_amount FROM ledger_entries
   WHERE id IN (SELECT id FROM o UNION ALL SELECT id FROM c) ORDER BY id FOR UPDATE
), sides AS (
  SELECT o.wallet_id, ${SIGN('o')} AS sign, o.id AS entry_id, ${param('reversalId')}::uuid AS new_id FROM o
  UNION ALL
  SELECT c.wallet_id, -${SIGN('o')}, c.id, ${param('counterpartId')}::uuid FROM c, o
), wl AS (
  SELECT id, balance, held_balance FROM wallets WHERE id IN (SELECT wallet_id FROM sides) ORDER BY id FOR UPDATE
), gate AS (
  SELECT ${AMOUNT} AS a FROM el eo
   WHERE eo.id = ${param('originalId')} AND ${AMOUNT} > 0 AND eo.reversed_amount + ${AMOUNT} <= eo.amount
     AND NOT EXISTS (SELECT 1 FROM sides s JOIN wl ON wl.id = s.wallet_id
                      WHERE wl.balance + s.sign * ${AMOUNT} < wl.held_balance
                         OR wl.balance + s.sign * ${AMOUNT} > ${param('maxBalance')}::bigint)
), r AS (
  UPDATE ledger_entries SET reversed_amount = reversed_amount + gate.a FROM gate
   WHERE ledger_entries.id IN (SELECT id FROM el)
  RETURNING ledger_entries.*
), uw AS (
  UPDATE wallets SET balance = wallets.balance + s.sign * gate.a, version = wallets.version + 1,
         updated_at = ${param('now')}
    FROM sides s, gate WHERE wallets.id = s.wallet_id
  RETURNING wallets.*, s.sign, s.entry_id, s.new_id, wallets.balance - s.sign * gate.a AS balance_before
), entries AS (
  INSERT INTO ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, reversal_of, metadata, created_at)
  SELECT uw.new_id, uw.id, uw.version, 'reversal', gate.a, uw.balance_before, uw.balance, uw.entry_id,
         ${param('metadata')}::json, ${param('now')}::timestamptz
    FROM uw, gate
  RETURNING *
), body AS (
  SELECT json_build_object('data', json_build_object('reversal', ${entryJsonSql('rev')},
           'original', ${entryJsonSql('orig')}, 'wallet', ${walletJsonSql('ow')})) AS body
    FROM entries rev, r orig, uw ow
   WHERE rev.reversal_of = ${param('originalId')} AND orig.id = ${param('originalId')} AND ow.entry_id = ${param('originalId')}
), events AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT e.id, 'transaction.reversed', json_build_object('id', e.id, 'type', 'transaction.reversed',
           'userId', uw.user_id, 'walletId', e.wallet_id, 'transactionId', e.id, 'reversalOf', e.reversal_of,
           'direction', CASE WHEN uw.sign > 0 THEN 'in' ELSE 'out' END, 'currency', uw.currency,
           'amount', e.amount, 'balanceAfter', e.balance_after, 'occurredAt', ${NOW_ISO}), ${param('now')}
    FROM entries e JOIN uw ON uw.id = e.wallet_id
), idem AS (${insertRecord('EXISTS (SELECT 1 FROM body)', { status: '200', body: '(SELECT body FROM body)' })}
), audit AS (${insertAudit('true', undefined, { walletId: 'o.wallet_id', amount: 'gate.a', from: 'o, gate' })}
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body,
       (SELECT row_to_json(y) FROM ledger_entries y WHERE y.id = ${param('originalId')}) AS original,
       (SELECT row_to_json(t) FROM wallets t JOIN ledger_entries y ON y.wallet_id = t.id
         WHERE y.id = ${param('originalId')}) AS wallet,
       (SELECT row_to_json(t) FROM wallets t JOIN ledger_entries x ON x.wallet_id = t.id
          JOIN ledger_entries y ON y.id = ${param('originalId')} AND ${OTHER_SIDE('x', 'y')} LIMIT 1) AS counterpart`,
);

const revive = (row: Row): Row => ({
  ...row,
  created_at: new Date(row.created_at as string),
  ...(row.updated_at === undefined ? {} : { updated_at: new Date(row.updated_at as string) }),
});

export async function reverseTransaction(pool: pg.Pool, command: ReverseCommand, auditId: string): Promise<WriteOutcome> {
  const audit = auditEventFor(command, 'transaction.reverse', 'ok', { id: auditId, amount: command.amount ?? null });
  const { rows } = await pool.query(
    REVERSE.query({
      userId: command.userId,
      originalId: command.originalId,
      amount: command.amount ?? null,
      metadata: JSON.stringify(command.metadata),
      reversalId: command.reversalId,
      counterpartId: command.counterpartId,
      maxBalance: command.maxBalance,
      now: command.now,
      ...recordParams(command, 'transaction.reverse', null),
      ...auditParams(audit),
    }),
  );
  const row = rows[0] as {
    prior: Row | null;
    body: object | null;
    original: Row | null;
    wallet: Row | null;
    counterpart: Row | null;
  };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode: 200, body: row.body as never };
  const original = row.original ? entryFromRow(revive(row.original)) : null;
  const wallet = row.wallet ? walletFromRow(revive(row.wallet)) : null;
  const counterpart = row.counterpart ? walletFromRow(revive(row.counterpart)) : null;
  const verdict = judgeReversal(original, wallet, counterpart, command);
  if (verdict.ok) throw new VersionConflict('entries or wallets changed during the guarded reversal');
  if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
  return recordRefusal(pool, command, 'transaction.reverse', refusalReply(verdict.code, verdict.detail), {
    ...audit,
    walletId: wallet && wallet.userId === command.userId ? wallet.id : null,
    outcome: verdict.code,
  });
}
