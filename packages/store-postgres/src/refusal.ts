import type pg from 'pg';
import type { Operation, StoredBody, WriteContext, WriteOutcome } from '@wallet/ledger';
import { idempotencyFromRow } from './mapping.js';

/**
 * Stores a remembered refusal (insufficient funds, limit, currency, wallet exists) with its
 * idempotency key and an audit event, in one statement. If the key was taken meanwhile,
 * the stored record wins and is returned instead, so both requests answer alike.
 */
const RECORD_REFUSAL_SQL = `
WITH idem AS (
  INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE $2::text IS NOT NULL
  ON CONFLICT (user_id, key) DO NOTHING
  RETURNING 1
), audit AS (
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT $10, $1, $11, $3, $12, $13, $14, $7, $8
   WHERE $2::text IS NULL OR EXISTS (SELECT 1 FROM idem)
)
SELECT EXISTS (SELECT 1 FROM idem) AS inserted`;

export async function recordRefusal(
  db: pg.Pool | pg.PoolClient,
  context: WriteContext,
  operation: Operation,
  refusal: { statusCode: number; body: StoredBody },
  audit: { id: string; walletId: string | null; amount: number | null },
): Promise<WriteOutcome> {
  const code = 'error' in refusal.body ? refusal.body.error.code : 'refused';
  const key = context.idempotency?.key ?? null;
  const { rows } = await db.query({
    name: 'refusal-record',
    text: RECORD_REFUSAL_SQL,
    values: [
      context.userId,
      key,
      operation,
      context.idempotency?.fingerprint ?? null,
      refusal.statusCode,
      JSON.stringify(refusal.body),
      context.requestId,
      context.now,
      context.idempotency?.expiresAt ?? context.now,
      audit.id,
      context.ip,
      audit.walletId,
      audit.amount,
      code,
    ],
  });
  if (key !== null && !(rows[0] as { inserted: boolean }).inserted) {
    const existing = await db.query('SELECT * FROM idempotency_keys WHERE user_id = $1 AND key = $2', [
      context.userId,
      key,
    ]);
    if (existing.rows[0]) return { kind: 'existing', record: idempotencyFromRow(existing.rows[0]) };
  }
  return { kind: 'stored', statusCode: refusal.statusCode, body: refusal.body };
}
