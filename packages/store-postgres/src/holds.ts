import type pg from 'pg';
import {
  VersionConflict,
  type AuditEvent,
  type CaptureHoldCommand,
  type CreateHoldCommand,
  type IdempotencyRecord,
  type Operation,
  type StoredHold,
  type VoidHoldCommand,
  type Wallet,
  type WriteContext,
  type WriteOutcome,
} from '@wallet/ledger';
import {
  auditEventFor,
  captureOf,
  captureReply,
  holdEventFor,
  holdVoidedReply,
  isRemembered,
  judgeCapture,
  judgeCreateHold,
  judgeVoid,
  outboxEventFor,
  refusalReply,
  releaseOf,
  type Verdict,
} from '@wallet/ledger/store-kit';
import { holdFromRow, idempotencyFromRow, walletFromRow } from './mapping.js';
import { param, prepare, sql } from './sql-util.js';
import { recordRefusal } from './refusal.js';
import { ISO_FORMAT, holdJsonSql, walletJsonSql } from './sql-util.js';
import { rollbackWith, withTransaction } from './transaction.js';
import { writeChanges } from './write-changes.js';
import { auditParams, insertAudit, insertRecord, recordParams } from './write-common.js';

type Row = Record<string, unknown>;

const NOW_ISO = sql`to_char(${param('now')}::timestamptz AT TIME ZONE 'UTC', ${ISO_FORMAT})`;

/** The key's earlier record, read first in every statement: a replay changes nothing. */
const PRIOR = sql`SELECT * FROM idempotency_keys
   WHERE ${param('recordKey')}::text IS NOT NULL AND user_id = ${param('userId')} AND key = ${param('recordKey')}`;
const PRIOR_ROW = sql`SELECT row_to_json(k) FROM (${PRIOR}) k`;

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
), body AS (
  SELECT json_build_object('data', json_build_object('hold', ${holdJsonSql('h')}, 'wallet', ${walletJsonSql('w')}))
         AS body
    FROM w, h
), outbox_event AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT ${param('eventId')}, 'hold.created',
         json_build_object('id', ${param('eventId')}::uuid, 'type', 'hold.created', 'userId', w.user_id,
           'walletId', w.id, 'holdId', h.id, 'currency', w.currency, 'amount', h.amount, 'balanceAfter', w.balance,
           'occurredAt', ${NOW_ISO}), ${param('now')}
    FROM w, h
), idem AS (${insertRecord('EXISTS (SELECT 1 FROM body)', { status: '201', body: '(SELECT body FROM body)' })}
), audit AS (${insertAudit('EXISTS (SELECT 1 FROM h)')}
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, (SELECT body FROM body) AS body,
       (SELECT row_to_json(c) FROM wallets c WHERE c.id = ${param('walletId')}) AS current`,
);

const revive = (row: Row): Row => ({
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

export async function createHold(pool: pg.Pool, command: CreateHoldCommand, auditId: string): Promise<WriteOutcome> {
  const audit = auditEventFor(command, 'hold.create', 'ok', {
    id: auditId,
    walletId: command.walletId,
    amount: command.amount,
  });
  const { rows } = await pool.query(
    CREATE_HOLD.query({
      userId: command.userId,
      walletId: command.walletId,
      amount: command.amount,
      holdId: command.holdId,
      ttlSeconds: command.ttlSeconds,
      metadata: JSON.stringify(command.metadata),
      eventId: command.eventId,
      now: command.now,
      ...recordParams(command, 'hold.create', null),
      ...auditParams(audit),
    }),
  );
  const row = rows[0] as { prior: Row | null; body: object | null; current: Row | null };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode: 201, body: row.body as never };
  const wallet = row.current ? walletFromRow(revive(row.current)) : null;
  return explain(pool, command, 'hold.create', judgeCreateHold(wallet, command), audit);
}

/**
 * The first statement of a capture or void: locks the hold (with whether the database's clock
 * has reached its expiresAt) and the wallets it touches, and reads the key's record. FOR UPDATE
 * returns the latest committed rows, and holds them until this transaction ends, so of
 * concurrent captures, voids and sweeps of one hold exactly one sees it active. The wallets are
 * named by an array (`= ANY(ARRAY(...))`, computed once), not a join: a row that a concurrent
 * write changed is re-checked against its new version, and a join's re-check can drop it.
 */
const LOCK_HOLD = prepare(
  'hold-lock',
  sql`
WITH hold AS (
  SELECT h.*, clock_timestamp() >= h.expires_at AS expired FROM holds h WHERE h.id = ${param('holdId')} FOR UPDATE
), locked AS (
  SELECT * FROM wallets
   WHERE id = ANY(ARRAY(SELECT wallet_id FROM holds WHERE id = ${param('holdId')}
                        UNION ALL SELECT ${param('toWalletId')}::uuid WHERE ${param('toWalletId')}::uuid IS NOT NULL))
   ORDER BY id FOR UPDATE
)
SELECT (SELECT row_to_json(hold) FROM hold) AS hold, (SELECT json_agg(row_to_json(locked)) FROM locked) AS wallets,
       (${PRIOR_ROW}) AS prior`,
);

interface Locked {
  prior: IdempotencyRecord | null;
  hold: StoredHold | null;
  expired: boolean;
  wallets: Wallet[];
}

async function lockHold(client: pg.PoolClient, context: WriteContext, holdId: string, toWalletId?: string) {
  const { rows } = await client.query(
    LOCK_HOLD.query({
      holdId,
      toWalletId: toWalletId ?? null,
      userId: context.userId,
      recordKey: context.idempotency?.key ?? null,
    }),
  );
  const row = rows[0] as { hold: (Row & { expired: boolean }) | null; wallets: Row[] | null; prior: Row | null };
  const wallets = (row.wallets ?? []).map((wallet) => walletFromRow(revive(wallet)));
  const owner = row.hold ? wallets.find((wallet) => wallet.id === row.hold!.wallet_id) : undefined;
  const locked: Locked = {
    prior: row.prior ? idempotencyFromRow(row.prior) : null,
    hold: row.hold && owner ? holdFromRow({ ...revive(row.hold), user_id: owner.userId }) : null,
    expired: row.hold?.expired ?? false,
    wallets,
  };
  return locked;
}

/** A refusal inside the locked transaction: stored with the key when remembered, else nothing is kept. */
async function refuse(
  client: pg.PoolClient,
  context: WriteContext,
  operation: Operation,
  verdict: Verdict & { ok: false },
  audit: AuditEvent,
) {
  if (!isRemembered(verdict.code)) {
    return rollbackWith<WriteOutcome>({ kind: 'refused', code: verdict.code, detail: verdict.detail });
  }
  return recordRefusal(client, context, operation, refusalReply(verdict.code, verdict.detail), {
    ...audit,
    outcome: verdict.code,
  });
}

/**
 * A capture: one transaction of four round trips (BEGIN, lock, write, COMMIT), like a transfer.
 * The locked rows are judged by the shared rules; the new hold, wallets, entries, events and
 * reply are computed by the ledger (captureOf, captureReply) and written in one statement.
 */
export async function captureHold(pool: pg.Pool, command: CaptureHoldCommand, auditId: string): Promise<WriteOutcome> {
  return withTransaction(pool, async (client) => {
    const locked = await lockHold(client, command, command.holdId, command.toWalletId);
    if (locked.prior) return rollbackWith<WriteOutcome>({ kind: 'existing', record: locked.prior });
    const source = locked.hold ? (locked.wallets.find((wallet) => wallet.id === locked.hold!.walletId) ?? null) : null;
    const destination =
      command.toWalletId === undefined ? null : (locked.wallets.find((w) => w.id === command.toWalletId) ?? null);
    const verdict = judgeCapture(locked.hold, locked.expired, source, destination, command);
    const amount = command.amount ?? locked.hold?.amount ?? null;
    const audit = auditEventFor(command, 'hold.capture', 'ok', {
      id: auditId,
      walletId: locked.hold?.walletId,
      amount,
    });
    if (!verdict.ok) return refuse(client, command, 'hold.capture', verdict, audit);
    const capture = captureOf(locked.hold!, source!, destination, command);
    const reply = captureReply(capture.hold, capture.debit, capture.source.after, capture.credit);
    const entries = capture.credit ? [capture.debit, capture.credit] : [capture.debit];
    const wallets = capture.destination ? [capture.source, capture.destination] : [capture.source];
    await writeChanges(client, command, 'hold.capture', reply, {
      holds: [capture.hold],
      wallets,
      reversed: [],
      entries,
      events: entries.map((entry) => outboxEventFor(entry, entry.walletId === source!.id ? source! : destination!)),
      audits: [audit],
    });
    return { kind: 'stored', ...reply } as WriteOutcome;
  });
}

/** A void: the same locked transaction; the hold's amount goes back to the available balance. */
export async function voidHold(pool: pg.Pool, command: VoidHoldCommand, auditId: string): Promise<WriteOutcome> {
  return withTransaction(pool, async (client) => {
    const locked = await lockHold(client, command, command.holdId);
    if (locked.prior) return rollbackWith<WriteOutcome>({ kind: 'existing', record: locked.prior });
    const verdict = judgeVoid(locked.hold, locked.expired, command);
    const audit = auditEventFor(command, 'hold.void', 'ok', {
      id: auditId,
      walletId: locked.hold?.walletId,
      amount: locked.hold?.amount ?? null,
    });
    if (!verdict.ok) return refuse(client, command, 'hold.void', verdict, audit);
    const before = locked.wallets.find((wallet) => wallet.id === locked.hold!.walletId)!;
    const released = releaseOf(locked.hold!, before, 'voided', command);
    const reply = holdVoidedReply(released.hold, released.wallet.after);
    await writeChanges(client, command, 'hold.void', reply, {
      holds: [released.hold],
      wallets: [released.wallet],
      reversed: [],
      entries: [],
      events: [holdEventFor('hold.voided', command.eventId, released.hold, released.wallet.after, command.now)],
      audits: [audit],
    });
    return { kind: 'stored', ...reply } as WriteOutcome;
  });
}
