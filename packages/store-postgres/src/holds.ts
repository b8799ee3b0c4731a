import type pg from 'pg';
import {
  isRemembered,
  judgeCapture,
  judgeCreateHold,
  judgeVoid,
  refusalBody,
  VersionConflict,
  type CaptureHoldCommand,
  type CreateHoldCommand,
  type Operation,
  type StoredHold,
  type Verdict,
  type VoidHoldCommand,
  type WriteContext,
  type WriteOutcome,
} from '@wallet/ledger';
import { holdFromRow, idempotencyFromRow, walletFromRow } from './mapping.js';
import { entryJsonSql, holdJsonSql, isoSql, walletJsonSql } from './sql-util.js';
import { recordRefusal } from './refusal.js';

type Row = Record<string, unknown>;

/** The key's earlier record, read first in every statement: a replay changes nothing. */
const PRIOR_SQL = `SELECT * FROM idempotency_keys WHERE $2::text IS NOT NULL AND user_id = $1 AND key = $2`;

/** Inserts the record of a stored outcome (when a key was sent); `$1` user, `$2` key, `$3..$6` its fields. */
const IDEM_SQL = (status: number) => `
  INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
  SELECT $1, $2, $3, $4, ${status}, body.body, $5, $6, $7 FROM body WHERE $2::text IS NOT NULL`;

/** Audit row of a stored success; `$8` id, `$9` ip. */
const AUDIT_SQL = (walletColumn: string, amountColumn: string, from: string) => `
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT $8, $1, $9, $3, ${walletColumn}, ${amountColumn}, 'ok', $5, $6 FROM ${from}`;

/** The hold as the statement's snapshot saw it, with its owner and whether the database clock has passed expiresAt. */
const CURRENT_HOLD_SQL = `(SELECT json_build_object('hold', row_to_json(x), 'userId', o.user_id, 'expired', x.expires_at <= now())
     FROM holds x JOIN wallets o ON o.id = x.wallet_id WHERE x.id = $10) AS current_hold`;

/**
 * A hold in ONE statement: the wallet UPDATE reserves the amount only while the available
 * balance covers it (and the CHECK keeps 0 <= held_balance <= balance whatever happens),
 * numbers the hold per wallet, and the same statement inserts the hold (expiresAt on the
 * database's clock), the hold.created event, the record and the audit row.
 */
const CREATE_HOLD_SQL = `
WITH prior AS (${PRIOR_SQL}), w AS (
  UPDATE wallets SET held_balance = held_balance + $11::bigint, hold_count = hold_count + 1, updated_at = $6
   WHERE id = $10 AND user_id = $1 AND balance - held_balance >= $11::bigint AND NOT EXISTS (SELECT 1 FROM prior)
  RETURNING *
), h AS (
  INSERT INTO holds (id, wallet_id, seq, amount, captured_amount, status, expires_at, metadata, created_at, updated_at)
  SELECT $12, w.id, w.hold_count, $11, 0, 'active',
         date_trunc('milliseconds', now() + make_interval(secs => $13::double precision)), $14, $6, $6 FROM w
  RETURNING *
), body AS (
  SELECT json_build_object('data', json_build_object('hold', ${holdJsonSql('h')}, 'wallet', ${walletJsonSql('w')})) AS body
    FROM w, h
), outbox_event AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT $15, 'hold.created', json_build_object('id', $15::uuid, 'type', 'hold.created', 'userId', w.user_id,
           'walletId', w.id, 'holdId', h.id, 'currency', w.currency, 'amount', h.amount, 'balanceAfter', w.balance,
           'occurredAt', ${isoSql('$6::timestamptz')}), $6
    FROM w, h
), idem AS (${IDEM_SQL(201)}), audit AS (${AUDIT_SQL('w.id', 'h.amount', 'w, h')})
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body,
       (SELECT row_to_json(c) FROM wallets c WHERE c.id = $10) AS current`;

/** `$1..$9` as in contextValues, then the operation's own values from `$10`. */
function contextValues(context: WriteContext, operation: Operation, auditId: string): unknown[] {
  return [
    context.userId,
    context.idempotency?.key ?? null,
    operation,
    context.idempotency?.fingerprint ?? null,
    context.requestId,
    context.now,
    context.idempotency?.expiresAt ?? context.now,
    auditId,
    context.ip,
  ];
}

const jsonRow = (row: Row): Row => ({
  ...row,
  created_at: new Date(row.created_at as string),
  updated_at: new Date(row.updated_at as string),
  ...(row.expires_at === undefined ? {} : { expires_at: new Date(row.expires_at as string) }),
});

/** Nothing changed: a refusal (stored when remembered), or a lost race the core retries. */
async function explain(
  pool: pg.Pool,
  context: WriteContext,
  operation: Operation,
  verdict: Verdict,
  audit: { id: string; walletId: string | null; amount: number | null },
): Promise<WriteOutcome> {
  // The snapshot allowed it but the rows had moved on under the lock: a lost race, retry.
  if (verdict.ok) throw new VersionConflict(`${operation}: rows changed during the guarded statement`);
  if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
  return recordRefusal(pool, context, operation, refusalBody(verdict.code, verdict.detail), audit);
}

export async function createHold(pool: pg.Pool, command: CreateHoldCommand, auditId: string): Promise<WriteOutcome> {
  const { rows } = await pool.query({
    name: 'hold-create',
    text: CREATE_HOLD_SQL,
    values: [
      ...contextValues(command, 'hold.create', auditId),
      command.walletId,
      command.amount,
      command.holdId,
      command.ttlSeconds,
      JSON.stringify(command.metadata),
      command.eventId,
    ],
  });
  const row = rows[0] as { prior: Row | null; body: object | null; current: Row | null };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode: 201, body: row.body as never };
  const wallet = row.current ? walletFromRow(jsonRow(row.current)) : null;
  return explain(pool, command, 'hold.create', judgeCreateHold(wallet, command), {
    id: auditId,
    walletId: command.walletId,
    amount: command.amount,
  });
}

/**
 * A capture in ONE statement. The hold UPDATE is the guard: it matches only an active hold of
 * the caller's wallet whose expiresAt is still ahead of the database's clock, with a fitting
 * amount and destination, so of any number of concurrent captures, voids and sweeps exactly
 * one changes the row. Then both wallets are locked in id order (as transfers lock them) and
 * changed without further conditions: the debit of the captured part and the release of the
 * whole hold keep 0 <= held <= balance by construction, the credit is checked by the snapshot
 * and backed by the balance CHECK.
 */
const CAPTURE_SQL = `
WITH prior AS (${PRIOR_SQL}), h AS (
  UPDATE holds SET status = 'captured', captured_amount = COALESCE($11::bigint, holds.amount), updated_at = $6,
         metadata = CASE WHEN $13::text = '{}' THEN holds.metadata ELSE $13::json END
    FROM wallets o
   WHERE holds.id = $10 AND holds.status = 'active' AND holds.expires_at > now() AND o.id = holds.wallet_id
     AND o.user_id = $1 AND COALESCE($11::bigint, holds.amount) <= holds.amount AND NOT EXISTS (SELECT 1 FROM prior)
     AND ($12::uuid IS NULL OR EXISTS (SELECT 1 FROM wallets d WHERE d.id = $12::uuid AND d.id <> o.id
          AND d.currency = o.currency AND d.balance + COALESCE($11::bigint, holds.amount) <= $16::bigint))
  RETURNING holds.*
), locked AS (
  SELECT id FROM wallets WHERE id IN (SELECT wallet_id FROM h UNION ALL SELECT $12::uuid FROM h WHERE $12::uuid IS NOT NULL)
   ORDER BY id FOR UPDATE
), w AS (
  UPDATE wallets SET balance = balance - h.captured_amount, held_balance = held_balance - h.amount,
         version = version + 1, updated_at = $6
    FROM h WHERE wallets.id = h.wallet_id AND (SELECT count(*) FROM locked) > 0
  RETURNING wallets.*, wallets.balance + h.captured_amount AS balance_before
), d AS (
  UPDATE wallets SET balance = balance + h.captured_amount, version = version + 1, updated_at = $6
    FROM h WHERE wallets.id = $12::uuid AND (SELECT count(*) FROM locked) > 0
  RETURNING wallets.*, wallets.balance - h.captured_amount AS balance_before
), entries AS (
  INSERT INTO ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, hold_id, metadata, created_at)
  SELECT $14::uuid, w.id, w.version, 'capture', h.captured_amount, w.balance_before, w.balance, h.id, h.metadata, $6::timestamptz
    FROM w, h
  UNION ALL
  SELECT $15::uuid, d.id, d.version, 'capture_in', h.captured_amount, d.balance_before, d.balance, h.id, h.metadata, $6::timestamptz
    FROM d, h
  RETURNING *
), body AS (
  SELECT json_build_object('data', CASE WHEN ci.id IS NULL
           THEN json_build_object('hold', ${holdJsonSql('h')}, 'transaction', ${entryJsonSql('c')},
                                  'wallet', ${walletJsonSql('w')})
           ELSE json_build_object('hold', ${holdJsonSql('h')}, 'transaction', ${entryJsonSql('c')},
                                  'wallet', ${walletJsonSql('w')}, 'credit', ${entryJsonSql('ci')}) END) AS body
    FROM h, w, entries c LEFT JOIN entries ci ON ci.type = 'capture_in' WHERE c.type = 'capture'
), events AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT e.id, 'hold.captured', json_build_object('id', e.id, 'type', 'hold.captured', 'userId', x.user_id,
           'walletId', e.wallet_id, 'transactionId', e.id, 'holdId', e.hold_id,
           'direction', CASE WHEN e.type = 'capture_in' THEN 'in' ELSE 'out' END, 'currency', x.currency,
           'amount', e.amount, 'balanceAfter', e.balance_after, 'occurredAt', ${isoSql('$6::timestamptz')}), $6
    FROM entries e JOIN (SELECT * FROM w UNION ALL SELECT * FROM d) x ON x.id = e.wallet_id
), idem AS (${IDEM_SQL(200)}), audit AS (${AUDIT_SQL('h.wallet_id', 'h.captured_amount', 'h')})
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body, ${CURRENT_HOLD_SQL},
       (SELECT row_to_json(t) FROM wallets t WHERE t.id = (SELECT wallet_id FROM holds WHERE id = $10)) AS source,
       (SELECT row_to_json(t) FROM wallets t WHERE t.id = $12::uuid) AS destination`;

interface HoldSnapshot {
  hold: Row;
  userId: string;
  expired: boolean;
}

function snapshotHold(current: HoldSnapshot | null): StoredHold | null {
  return current ? holdFromRow({ ...jsonRow(current.hold), user_id: current.userId }) : null;
}

export async function captureHold(pool: pg.Pool, command: CaptureHoldCommand, auditId: string): Promise<WriteOutcome> {
  const { rows } = await pool.query({
    name: 'hold-capture',
    text: CAPTURE_SQL,
    values: [
      ...contextValues(command, 'hold.capture', auditId),
      command.holdId,
      command.amount ?? null,
      command.toWalletId ?? null,
      JSON.stringify(command.metadata),
      command.transactionId,
      command.creditId,
      command.maxBalance,
    ],
  });
  const row = rows[0] as {
    prior: Row | null;
    body: object | null;
    current_hold: HoldSnapshot | null;
    source: Row | null;
    destination: Row | null;
  };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode: 200, body: row.body as never };
  const hold = snapshotHold(row.current_hold);
  const source = row.source ? walletFromRow(jsonRow(row.source)) : null;
  const destination = row.destination ? walletFromRow(jsonRow(row.destination)) : null;
  const verdict = judgeCapture(hold, row.current_hold?.expired ?? false, source, destination, command);
  return explain(pool, command, 'hold.capture', verdict, {
    id: auditId,
    walletId: hold?.walletId ?? null,
    amount: command.amount ?? null,
  });
}

/** A void in ONE statement: the same hold guard as a capture, then the release of its amount. */
const VOID_SQL = `
WITH prior AS (${PRIOR_SQL}), h AS (
  UPDATE holds SET status = 'voided', updated_at = $6,
         metadata = CASE WHEN $11::text = '{}' THEN holds.metadata ELSE $11::json END
    FROM wallets o
   WHERE holds.id = $10 AND holds.status = 'active' AND holds.expires_at > now() AND o.id = holds.wallet_id
     AND o.user_id = $1 AND NOT EXISTS (SELECT 1 FROM prior)
  RETURNING holds.*
), w AS (
  UPDATE wallets SET held_balance = held_balance - h.amount, updated_at = $6 FROM h WHERE wallets.id = h.wallet_id
  RETURNING wallets.*
), body AS (
  SELECT json_build_object('data', json_build_object('hold', ${holdJsonSql('h')}, 'wallet', ${walletJsonSql('w')})) AS body
    FROM h, w
), outbox_event AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT $12, 'hold.voided', json_build_object('id', $12::uuid, 'type', 'hold.voided', 'userId', w.user_id,
           'walletId', w.id, 'holdId', h.id, 'currency', w.currency, 'amount', h.amount, 'balanceAfter', w.balance,
           'occurredAt', ${isoSql('$6::timestamptz')}), $6
    FROM h, w
), idem AS (${IDEM_SQL(200)}), audit AS (${AUDIT_SQL('h.wallet_id', 'h.amount', 'h')})
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body, ${CURRENT_HOLD_SQL}`;

export async function voidHold(pool: pg.Pool, command: VoidHoldCommand, auditId: string): Promise<WriteOutcome> {
  const { rows } = await pool.query({
    name: 'hold-void',
    text: VOID_SQL,
    values: [
      ...contextValues(command, 'hold.void', auditId),
      command.holdId,
      JSON.stringify(command.metadata),
      command.eventId,
    ],
  });
  const row = rows[0] as { prior: Row | null; body: object | null; current_hold: HoldSnapshot | null };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode: 200, body: row.body as never };
  const hold = snapshotHold(row.current_hold);
  return explain(pool, command, 'hold.void', judgeVoid(hold, row.current_hold?.expired ?? false, command), {
    id: auditId,
    walletId: hold?.walletId ?? null,
    amount: null,
  });
}
