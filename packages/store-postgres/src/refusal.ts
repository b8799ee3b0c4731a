import type pg from 'pg';
import type { AuditEvent, Operation, WriteContext, WriteOutcome } from '@wallet/ledger';
import type { Reply } from '@wallet/ledger/store-kit';
import { idempotencyFromRow } from './mapping.js';
import { param, prepare, sql } from './sql-util.js';
import { auditParams, insertAudit, insertRecord, recordParams } from './write-common.js';

/**
 * Stores a remembered refusal (insufficient funds, limit, currency, wallet exists) with its
 * idempotency key and its audit event, in one statement. If the key was taken meanwhile,
 * the stored record wins and is returned instead, so both requests answer alike.
 */
const RECORD_REFUSAL = prepare(
  'refusal-record',
  sql`
WITH idem AS (${insertRecord('true')}
  ON CONFLICT (user_id, key) DO NOTHING
  RETURNING 1
), audit AS (${insertAudit(sql`${param('recordKey')}::text IS NULL OR EXISTS (SELECT 1 FROM idem)`)}
)
SELECT EXISTS (SELECT 1 FROM idem) AS inserted`,
);

export async function recordRefusal(
  db: pg.Pool | pg.PoolClient,
  context: WriteContext,
  operation: Operation,
  refusal: Reply,
  audit: AuditEvent,
): Promise<WriteOutcome> {
  const key = context.idempotency?.key ?? null;
  const { rows } = await db.query(
    RECORD_REFUSAL.query({ ...recordParams(context, operation, refusal), ...auditParams(audit) }),
  );
  if (key !== null && !(rows[0] as { inserted: boolean }).inserted) {
    const existing = await db.query('SELECT * FROM idempotency_keys WHERE user_id = $1 AND key = $2', [
      context.userId,
      key,
    ]);
    if (existing.rows[0]) return { kind: 'existing', record: idempotencyFromRow(existing.rows[0]) };
  }
  return { kind: 'stored', statusCode: refusal.statusCode, body: refusal.body };
}
