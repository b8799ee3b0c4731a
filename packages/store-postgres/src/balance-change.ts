import type pg from 'pg';
import { VersionConflict, type BalanceCommand, type WriteOutcome } from '@wallet/ledger';
import {
  actionOf,
  auditEventFor,
  balanceEventType,
  isRemembered,
  judgeBalanceChange,
  refusalReply,
} from '@wallet/ledger/store-kit';
import { idempotencyFromRow, reviveJsonRow, walletFromRow } from './mapping.js';
import { ISO_FORMAT, param, prepare, sql, walletJsonSql } from './sql-util.js';
import { PRIOR_RECORD, auditParams, insertAudit, insertRecord, recordParams } from './write-common.js';
import { recordRefusal } from './refusal.js';

/**
 * A credit or debit in ONE guarded statement (one round trip, its own implicit transaction):
 * the wallet UPDATE compares the invariant itself (`balance + delta` within [0, max], and the
 * client's expected version when given), bumps `version` — this UPDATE is where the balance
 * changes — and the same statement writes the ledger entry (seq = new version), the outbox
 * event, the audit event and the idempotency record with the reply body. Hot wallets then
 * queue on the row lock instead of losing compare-and-swap races. A concurrent request with
 * the same key fails on the idempotency primary key and rolls back whole; the caller then
 * reads the stored record. The reply body and the outbox payload are built here in SQL for
 * speed; the contract's shape cases check them against balanceReply and outboxEventFor.
 */
const NOW_ISO = sql`to_char(${param('now')}::timestamptz AT TIME ZONE 'UTC', ${ISO_FORMAT})`;

const BALANCE_CHANGE = prepare(
  'wallet-balance-change',
  sql`
WITH prior AS (${PRIOR_RECORD}
), w AS (
  UPDATE wallets
     SET balance = balance + ${param('delta')}::bigint, version = version + 1, updated_at = ${param('now')}
   WHERE id = ${param('walletId')} AND user_id = ${param('userId')}
     AND balance + ${param('delta')}::bigint >= held_balance
     AND balance + ${param('delta')}::bigint <= ${param('maxBalance')}::bigint
     AND (${param('expectedVersion')}::bigint IS NULL OR version = ${param('expectedVersion')}::bigint)
     AND NOT EXISTS (SELECT 1 FROM prior)
  RETURNING id, user_id, currency, balance, held_balance, version, created_at, updated_at,
            balance - ${param('delta')}::bigint AS balance_before
), body AS (
  SELECT json_build_object('data', json_build_object(
           'transactionId', ${param('entryId')}::uuid,
           'wallet', ${walletJsonSql('w')},
           'transaction', json_build_object(
             'id', ${param('entryId')}::uuid, 'walletId', w.id, 'type', ${param('kind')}::text,
             'amount', ${param('amount')}::bigint, 'balanceBefore', w.balance_before, 'balanceAfter', w.balance,
             'status', 'completed', 'reversedAmount', 0, 'metadata', ${param('metadata')}::json,
             'createdAt', ${NOW_ISO}))) AS body,
         w.*
    FROM w
), entry AS (
  INSERT INTO ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, metadata, created_at)
  SELECT ${param('entryId')}, w.id, w.version, ${param('kind')}, ${param('amount')}, w.balance_before, w.balance,
         ${param('metadata')}, ${param('now')}
    FROM w
), outbox_event AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT ${param('entryId')}, ${param('eventType')},
         json_build_object('id', ${param('entryId')}::uuid, 'type', ${param('eventType')}::text, 'userId', w.user_id,
           'walletId', w.id, 'transactionId', ${param('entryId')}::uuid, 'currency', w.currency,
           'amount', ${param('amount')}::bigint, 'balanceAfter', w.balance, 'occurredAt', ${NOW_ISO}),
         ${param('now')}
    FROM w
), idem AS (${insertRecord('EXISTS (SELECT 1 FROM body)', { status: '200', body: '(SELECT body FROM body)' })}
), audit AS (${insertAudit('EXISTS (SELECT 1 FROM w)')}
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior,
       (SELECT body FROM body) AS body,
       (SELECT row_to_json(c) FROM (SELECT id, user_id, currency, balance, held_balance, version, created_at,
                                      updated_at FROM wallets WHERE id = ${param('walletId')}) c) AS current`,
);

export async function applyBalanceChange(
  pool: pg.Pool,
  command: BalanceCommand,
  auditId: string,
): Promise<WriteOutcome> {
  const operation = actionOf(command);
  const audit = auditEventFor(command, operation, 'ok', {
    id: auditId,
    walletId: command.walletId,
    amount: command.amount,
  });
  const { rows } = await pool.query(
    BALANCE_CHANGE.query({
      walletId: command.walletId,
      userId: command.userId,
      delta: command.kind === 'credit' ? command.amount : -command.amount,
      expectedVersion: command.expectedVersion ?? null,
      maxBalance: command.maxBalance,
      entryId: command.transactionId,
      kind: command.kind,
      amount: command.amount,
      metadata: JSON.stringify(command.metadata),
      now: command.now,
      eventType: balanceEventType(command.kind),
      ...recordParams(command, operation, null),
      ...auditParams(audit),
    }),
  );
  const row = rows[0] as {
    prior: Record<string, unknown> | null;
    body: (WriteOutcome & object) | null;
    current: Record<string, unknown> | null;
  };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode: 200, body: row.body as never };

  // Nothing changed: say why, judged on the statement's own snapshot of the wallet.
  const current = row.current ? walletFromRow(reviveJsonRow(row.current)) : null;
  const verdict = judgeBalanceChange(current, command);
  if (verdict.ok) {
    // The snapshot allowed it but the row had moved on under the lock: a lost race, retry.
    throw new VersionConflict('wallet changed during the guarded update');
  }
  if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
  return recordRefusal(pool, command, operation, refusalReply(verdict.code, verdict.detail), {
    ...audit,
    outcome: verdict.code,
  });
}
