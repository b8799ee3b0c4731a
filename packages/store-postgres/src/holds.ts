import type pg from 'pg';
import {
  VersionConflict,
  type AuditEvent,
  type CaptureHoldCommand,
  type CreateHoldCommand,
  type Operation,
  type StoredHold,
  type VoidHoldCommand,
  type WriteContext,
  type WriteOutcome,
} from '@wallet/ledger';
import {
  auditEventFor,
  isRemembered,
  judgeCapture,
  judgeCreateHold,
  judgeVoid,
  refusalReply,
  type Verdict,
} from '@wallet/ledger/store-kit';
import { holdFromRow, idempotencyFromRow, walletFromRow, reviveJsonRow } from './mapping.js';
import { recordRefusal } from './refusal.js';
import { ISO_FORMAT, entryJsonSql, holdJsonSql, param, prepare, sql, walletJsonSql } from './sql-util.js';
import { auditParams, insertAudit, insertRecord, recordParams } from './write-common.js';

type Row = Record<string, unknown>;

const NOW_ISO = sql`to_char(${param('now')}::timestamptz AT TIME ZONE 'UTC', ${ISO_FORMAT})`;

/** The key's earlier record, read first in every statement: a replay changes nothing. */
const PRIOR = sql`SELECT * FROM idempotency_keys
   WHERE ${param('recordKey')}::text IS NOT NULL AND user_id = ${param('userId')} AND key = ${param('recordKey')}`;

/**
 * The reply body, the outbox event and the idempotency record of a hold write whose CTEs `w`
 * (the wallet after) and `h` (the hold after) hold one row each, or none when it was refused.
 */
const holdReplyAndEvent = (type: 'hold.created' | 'hold.voided', status: '200' | '201') => sql`body AS (
  SELECT json_build_object('data', json_build_object('hold', ${holdJsonSql('h')}, 'wallet', ${walletJsonSql('w')}))
         AS body
    FROM w, h
), outbox_event AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT ${param('eventId')}, '${type}',
         json_build_object('id', ${param('eventId')}::uuid, 'type', '${type}', 'userId', w.user_id,
           'walletId', w.id, 'holdId', h.id, 'currency', w.currency, 'amount', h.amount, 'balanceAfter', w.balance,
           'occurredAt', ${NOW_ISO}), ${param('now')}
    FROM w, h
), idem AS (${insertRecord('EXISTS (SELECT 1 FROM body)', { status, body: '(SELECT body FROM body)' })}`;

/**
 * A hold in ONE statement (one round trip, like a credit): the wallet UPDATE reserves the
 * amount only while the available balance covers it (and the CHECK keeps 0 <= held_balance <=
 * balance whatever happens), numbers the hold per wallet, and the same statement inserts the
 * hold (expiresAt on the database's clock), the hold.created event, the record and the audit.
 */
const CREATE_HOLD = prepare(
  'hold-create',
  sql`
WITH prior AS (${PRIOR}), w AS (
  UPDATE wallets SET held_balance = held_balance + ${param('amount')}::bigint, hold_count = hold_count + 1,
         updated_at = ${param('now')}
   WHERE id = ${param('walletId')} AND user_id = ${param('userId')}
     AND balance - held_balance >= ${param('amount')}::bigint AND NOT EXISTS (SELECT 1 FROM prior)
  RETURNING *
), h AS (
  INSERT INTO holds (id, wallet_id, seq, amount, captured_amount, status, expires_at, metadata, created_at, updated_at)
  SELECT ${param('holdId')}, w.id, w.hold_count, ${param('amount')}, 0, 'active',
         date_trunc('milliseconds', now() + make_interval(secs => ${param('ttlSeconds')}::double precision)),
         ${param('metadata')}, ${param('now')}, ${param('now')}
    FROM w
  RETURNING *
), ${holdReplyAndEvent('hold.created', '201')}
), audit AS (${insertAudit('EXISTS (SELECT 1 FROM h)')}
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body,
       (SELECT row_to_json(c) FROM wallets c WHERE c.id = ${param('walletId')}) AS current`,
);

/** Nothing changed: a refusal (stored when remembered), or a lost race the core retries. */
async function explain(
  pool: pg.Pool,
  context: WriteContext,
  operation: Operation,
  verdict: Verdict,
  audit: AuditEvent,
): Promise<WriteOutcome> {
  // The snapshot allowed it but the rows had moved on under the lock: a lost race, retry.
  if (verdict.ok) throw new VersionConflict(`${operation}: rows changed during the guarded statement`);
  if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
  return recordRefusal(pool, context, operation, refusalReply(verdict.code, verdict.detail), {
    ...audit,
    outcome: verdict.code,
  });
}

/** The parameters every hold statement takes: the caller, the metadata, the clock, the record and the audit. */
function writeParams(
  command: CreateHoldCommand | CaptureHoldCommand | VoidHoldCommand,
  operation: Operation,
  audit: AuditEvent,
) {
  return {
    userId: command.userId,
    metadata: JSON.stringify(command.metadata),
    now: command.now,
    ...recordParams(command, operation, null),
    ...auditParams(audit),
  };
}

/** A hold statement's replay (`prior`) or its written reply (`body`); null when it changed nothing. */
function settled(row: { prior: Row | null; body: object | null }, statusCode: 200 | 201): WriteOutcome | null {
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode, body: row.body as never };
  return null;
}

export async function createHold(pool: pg.Pool, command: CreateHoldCommand, auditId: string): Promise<WriteOutcome> {
  const audit = auditEventFor(command, 'hold.create', 'ok', {
    id: auditId,
    walletId: command.walletId,
    amount: command.amount,
  });
  const { rows } = await pool.query(
    CREATE_HOLD.query({
      walletId: command.walletId,
      amount: command.amount,
      holdId: command.holdId,
      ttlSeconds: command.ttlSeconds,
      eventId: command.eventId,
      ...writeParams(command, 'hold.create', audit),
    }),
  );
  const row = rows[0] as { prior: Row | null; body: object | null; current: Row | null };
  const done = settled(row, 201);
  if (done) return done;
  const wallet = row.current ? walletFromRow(reviveJsonRow(row.current)) : null;
  return explain(pool, command, 'hold.create', judgeCreateHold(wallet, command), audit);
}

/** The captured amount: the request's, or the whole hold (on the row being updated). */
const CAPTURED = sql`COALESCE(${param('amount')}::bigint, holds.amount)`;

/** The caller owns the hold's wallet: a subquery per row, re-evaluated on the row a re-check sees. */
const OWNED = sql`(SELECT o.user_id FROM wallets o WHERE o.id = holds.wallet_id) = ${param('userId')}`;

/** The hold as the statement's snapshot saw it, with its owner and whether the database's clock passed expiresAt. */
const CURRENT_HOLD = sql`(SELECT json_build_object('hold', row_to_json(x), 'userId', o.user_id,
                                  'expired', x.expires_at <= clock_timestamp())
     FROM holds x JOIN wallets o ON o.id = x.wallet_id WHERE x.id = ${param('holdId')}) AS current_hold`;

/**
 * A capture in ONE statement (one round trip, like a credit). The hold UPDATE is the guard: it
 * matches only an active hold of the caller's wallet whose expiresAt is still ahead of the
 * database's clock, with a fitting amount and destination, so of concurrent captures, voids
 * and sweeps exactly one changes the row. The wallet UPDATEs name their row and amounts by
 * scalar subqueries of that result (computed once, like the credit's `prior`), never by a
 * join with it: a wallet a concurrent write changed is then updated on its latest version,
 * where PostgreSQL's re-check of a join with a CTE can drop the row (the property test caught
 * an earlier version doing so). The last column stops the statement, and so all it wrote, if
 * the parts ever disagree.
 */
const CAPTURE = prepare(
  'hold-capture',
  sql`
WITH prior AS (${PRIOR}), h AS (
  UPDATE holds SET status = 'captured', captured_amount = ${CAPTURED}, updated_at = ${param('now')},
         metadata = CASE WHEN ${param('metadata')}::text = '{}' THEN holds.metadata ELSE ${param('metadata')}::json END
   WHERE holds.id = ${param('holdId')} AND holds.status = 'active' AND holds.expires_at > clock_timestamp()
     AND ${OWNED} AND ${CAPTURED} <= holds.amount AND NOT EXISTS (SELECT 1 FROM prior)
     AND (${param('toWalletId')}::uuid IS NULL OR EXISTS (
          SELECT 1 FROM wallets d, wallets o WHERE d.id = ${param('toWalletId')}::uuid AND o.id = holds.wallet_id
             AND d.id <> o.id AND d.currency = o.currency AND d.balance + ${CAPTURED} <= ${param('maxBalance')}::bigint))
  RETURNING holds.*
), w AS (
  UPDATE wallets SET balance = balance - (SELECT captured_amount FROM h),
         held_balance = held_balance - (SELECT amount FROM h), version = version + 1, updated_at = ${param('now')}
   WHERE id = (SELECT wallet_id FROM h)
  RETURNING wallets.*, wallets.balance + (SELECT captured_amount FROM h) AS balance_before
), d AS (
  UPDATE wallets SET balance = balance + (SELECT captured_amount FROM h), version = version + 1,
         updated_at = ${param('now')}
   WHERE id = ${param('toWalletId')}::uuid AND EXISTS (SELECT 1 FROM h)
  RETURNING wallets.*, wallets.balance - (SELECT captured_amount FROM h) AS balance_before
), entries AS (
  INSERT INTO ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, hold_id, metadata, created_at)
  SELECT ${param('entryId')}::uuid, w.id, w.version, 'capture', h.captured_amount, w.balance_before, w.balance, h.id,
         h.metadata, ${param('now')}::timestamptz
    FROM w, h
  UNION ALL
  SELECT ${param('creditId')}::uuid, d.id, d.version, 'capture_in', h.captured_amount, d.balance_before, d.balance,
         h.id, h.metadata, ${param('now')}::timestamptz
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
           'amount', e.amount, 'balanceAfter', e.balance_after, 'occurredAt', ${NOW_ISO}), ${param('now')}
    FROM entries e JOIN (SELECT * FROM w UNION ALL SELECT * FROM d) x ON x.id = e.wallet_id
), idem AS (${insertRecord('EXISTS (SELECT 1 FROM body)', { status: '200', body: '(SELECT body FROM body)' })}
), audit AS (${insertAudit('true', undefined, { walletId: 'h.wallet_id', amount: 'h.captured_amount', from: 'h' })}
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body, ${CURRENT_HOLD},
       (SELECT row_to_json(t) FROM wallets t
         WHERE t.id = (SELECT wallet_id FROM holds WHERE id = ${param('holdId')})) AS source,
       (SELECT row_to_json(t) FROM wallets t WHERE t.id = ${param('toWalletId')}::uuid) AS destination,
       CASE WHEN (SELECT count(*) FROM w) = (SELECT count(*) FROM h)
             AND (SELECT count(*) FROM d) = (SELECT count(*) FROM h)
                 * (CASE WHEN ${param('toWalletId')}::uuid IS NULL THEN 0 ELSE 1 END)
             AND (SELECT count(*) FROM entries) = (SELECT count(*) FROM w) + (SELECT count(*) FROM d)
            THEN true ELSE 1 / (0 * (SELECT count(*) FROM h)) > 0 END AS consistent`,
);

interface HoldSnapshot {
  hold: Row;
  userId: string;
  expired: boolean;
}

function snapshotHold(current: HoldSnapshot | null): StoredHold | null {
  return current ? holdFromRow({ ...reviveJsonRow(current.hold), user_id: current.userId }) : null;
}

export async function captureHold(pool: pg.Pool, command: CaptureHoldCommand, auditId: string): Promise<WriteOutcome> {
  const audit = auditEventFor(command, 'hold.capture', 'ok', { id: auditId, amount: command.amount ?? null });
  const { rows } = await pool.query(
    CAPTURE.query({
      holdId: command.holdId,
      amount: command.amount ?? null,
      toWalletId: command.toWalletId ?? null,
      entryId: command.transactionId,
      creditId: command.creditId,
      maxBalance: command.maxBalance,
      ...writeParams(command, 'hold.capture', audit),
    }),
  );
  const row = rows[0] as {
    prior: Row | null;
    body: object | null;
    current_hold: HoldSnapshot | null;
    source: Row | null;
    destination: Row | null;
  };
  const done = settled(row, 200);
  if (done) return done;
  const hold = snapshotHold(row.current_hold);
  const source = row.source ? walletFromRow(reviveJsonRow(row.source)) : null;
  const destination = row.destination ? walletFromRow(reviveJsonRow(row.destination)) : null;
  const verdict = judgeCapture(hold, row.current_hold?.expired ?? false, source, destination, command);
  return explain(pool, command, 'hold.capture', verdict, { ...audit, walletId: hold?.walletId ?? null });
}

/**
 * A void in ONE statement: the same guard as a capture, then the release of its amount, the
 * wallet again named by a scalar subquery of the settled hold.
 */
const VOID = prepare(
  'hold-void',
  sql`
WITH prior AS (${PRIOR}), h AS (
  UPDATE holds SET status = 'voided', updated_at = ${param('now')},
         metadata = CASE WHEN ${param('metadata')}::text = '{}' THEN holds.metadata ELSE ${param('metadata')}::json END
   WHERE holds.id = ${param('holdId')} AND holds.status = 'active' AND holds.expires_at > clock_timestamp()
     AND ${OWNED} AND NOT EXISTS (SELECT 1 FROM prior)
  RETURNING holds.*
), w AS (
  UPDATE wallets SET held_balance = held_balance - (SELECT amount FROM h), updated_at = ${param('now')}
   WHERE id = (SELECT wallet_id FROM h)
  RETURNING wallets.*
), ${holdReplyAndEvent('hold.voided', '200')}
), audit AS (${insertAudit('true', undefined, { walletId: 'h.wallet_id', amount: 'h.amount', from: 'h' })}
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body, ${CURRENT_HOLD},
       CASE WHEN (SELECT count(*) FROM w) = (SELECT count(*) FROM h)
            THEN true ELSE 1 / (0 * (SELECT count(*) FROM h)) > 0 END AS consistent`,
);

export async function voidHold(pool: pg.Pool, command: VoidHoldCommand, auditId: string): Promise<WriteOutcome> {
  const audit = auditEventFor(command, 'hold.void', 'ok', { id: auditId });
  const { rows } = await pool.query(
    VOID.query({
      holdId: command.holdId,
      eventId: command.eventId,
      ...writeParams(command, 'hold.void', audit),
    }),
  );
  const row = rows[0] as { prior: Row | null; body: object | null; current_hold: HoldSnapshot | null };
  const done = settled(row, 200);
  if (done) return done;
  const hold = snapshotHold(row.current_hold);
  const verdict = judgeVoid(hold, row.current_hold?.expired ?? false, command);
  return explain(pool, command, 'hold.void', verdict, {
    ...audit,
    walletId: hold?.walletId ?? null,
    amount: hold?.amount ?? null,
  });
}
