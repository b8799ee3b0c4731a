import type pg from 'pg';
import {
  isRemembered,
  judgeBalanceChange,
  refusalBody,
  VersionConflict,
  type BalanceCommand,
  type WriteOutcome,
} from '@wallet/ledger';
import { idempotencyFromRow, walletFromRow } from './mapping.js';
import { isoSql, walletJsonSql } from './sql-util.js';
import { recordRefusal } from './refusal.js';

/**
 * A credit or debit in ONE guarded statement (one round trip, its own implicit transaction):
 * the wallet UPDATE compares the invariant itself (`balance + delta` within [0, max], and the
 * client's expected version when given), bumps `version`, and the same statement writes the
 * ledger entry (seq = new version, balanceBefore/After), the outbox event, the audit event
 * and the idempotency record with the reply body. Hot wallets then queue on the row lock
 * instead of losing compare-and-swap races. A concurrent request with the same key fails on
 * the idempotency primary key and rolls back whole; the caller then reads the stored record.
 */
const BALANCE_CHANGE_SQL = `
WITH prior AS (
  SELECT * FROM idempotency_keys WHERE $11::text IS NOT NULL AND user_id = $2 AND key = $11
), w AS (
  UPDATE wallets
     SET balance = balance + $3::bigint, version = version + 1, updated_at = $10
   WHERE id = $1 AND user_id = $2
     AND balance + $3::bigint >= held_balance AND balance + $3::bigint <= $5::bigint
     AND ($4::bigint IS NULL OR version = $4::bigint)
     AND NOT EXISTS (SELECT 1 FROM prior)
  RETURNING id, user_id, currency, balance, held_balance, version, created_at, updated_at,
            balance - $3::bigint AS balance_before
), body AS (
  SELECT json_build_object('data', json_build_object(
           'transactionId', $6::uuid,
           'wallet', ${walletJsonSql('w')},
           'transaction', json_build_object(
             'id', $6::uuid, 'walletId', w.id, 'type', $7::text, 'amount', $8::bigint,
             'balanceBefore', w.balance_before, 'balanceAfter', w.balance, 'status', 'completed',
             'reversedAmount', 0, 'metadata', $9::json, 'createdAt', ${isoSql('$10::timestamptz')}))) AS body,
         w.*
    FROM w
), entry AS (
  INSERT INTO ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, metadata, created_at)
  SELECT $6, w.id, w.version, $7, $8, w.balance_before, w.balance, $9, $10 FROM w
), outbox_event AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT $6, $18, json_build_object('id', $6::uuid, 'type', $18::text, 'userId', w.user_id, 'walletId', w.id,
           'transactionId', $6::uuid, 'currency', w.currency, 'amount', $8::bigint, 'balanceAfter', w.balance,
           'occurredAt', ${isoSql('$10::timestamptz')}), $10
    FROM w
), idem AS (
  INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
  SELECT $2, $11, $13, $12, 200, body.body, $14, $10, $15 FROM body WHERE $11::text IS NOT NULL
), audit AS (
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT $17, $2, $16, $13, $1, $8, 'ok', $14, $10 FROM w
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior,
       (SELECT body FROM body) AS body,
       (SELECT row_to_json(c) FROM (SELECT id, user_id, currency, balance, held_balance, version, created_at,
                                      updated_at FROM wallets WHERE id = $1) c) AS current`;

export async function applyBalanceChange(
  pool: pg.Pool,
  command: BalanceCommand,
  auditId: string,
): Promise<WriteOutcome> {
  const delta = command.kind === 'credit' ? command.amount : -command.amount;
  const operation = `wallet.${command.kind}` as const;
  const eventType = command.kind === 'credit' ? 'wallet.credited' : 'wallet.debited';
  const { rows } = await pool.query({
    name: 'wallet-balance-change',
    text: BALANCE_CHANGE_SQL,
    values: [
      command.walletId,
      command.userId,
      delta,
      command.expectedVersion ?? null,
      command.maxBalance,
      command.transactionId,
      command.kind,
      command.amount,
      JSON.stringify(command.metadata),
      command.now,
      command.idempotency?.key ?? null,
      command.idempotency?.fingerprint ?? null,
      operation,
      command.requestId,
      command.idempotency?.expiresAt ?? command.now,
      command.ip,
      auditId,
      eventType,
    ],
  });
  const row = rows[0] as {
    prior: Record<string, unknown> | null;
    body: (WriteOutcome & object) | null;
    current: Record<string, unknown> | null;
  };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.body) return { kind: 'stored', statusCode: 200, body: row.body as never };

  // Nothing changed: say why, judged on the statement's own snapshot of the wallet.
  const current = row.current
    ? walletFromRow({
        ...row.current,
        created_at: new Date(row.current.created_at as string),
        updated_at: new Date(row.current.updated_at as string),
      })
    : null;
  const verdict = judgeBalanceChange(current, command);
  if (verdict.ok) {
    // The snapshot allowed it but the row had moved on under the lock: a lost race, retry.
    throw new VersionConflict('wallet changed during the guarded update');
  }
  if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
  const refusal = refusalBody(verdict.code, verdict.detail);
  return recordRefusal(pool, command, operation, refusal, {
    id: auditId,
    walletId: command.walletId,
    amount: command.amount,
  });
}
