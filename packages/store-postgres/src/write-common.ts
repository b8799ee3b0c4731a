import type { AuditEvent, IdempotencyRecord, Operation, WriteContext } from '@wallet/ledger';
import { param, sql, type Fragment } from './sql-util.js';

/**
 * The pieces every write statement shares, each written once: the audit insert and the
 * idempotency-record insert. Their values come from the ledger's one definition of the row
 * (auditEventFor, idempotencyRecordFor) through auditParams / recordParams.
 */

type AuditParam =
  | 'auditId'
  | 'auditActor'
  | 'auditIp'
  | 'auditAction'
  | 'auditWalletId'
  | 'auditAmount'
  | 'auditOutcome'
  | 'auditRequestId'
  | 'auditCreatedAt';

/**
 * INSERT of one audit row from auditParams, when `condition` (SQL) holds; `outcome` may be SQL,
 * and so may the wallet and amount when only the statement knows them (`from` names their rows).
 */
export const insertAudit = <K extends string = never>(
  condition: string | Fragment<K>,
  outcome?: string,
  known?: { walletId: string; amount: string; from: string },
): Fragment<AuditParam | K> => sql<AuditParam | K>`
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT ${param('auditId')}::uuid, ${param('auditActor')}::text, ${param('auditIp')}::text,
         ${param('auditAction')}::text, ${known?.walletId ?? sql`${param('auditWalletId')}::uuid`},
         ${known?.amount ?? sql`${param('auditAmount')}::bigint`},
         ${outcome ?? sql`${param('auditOutcome')}::text`}, ${param('auditRequestId')}::text, ${param('auditCreatedAt')}::timestamptz
   ${known ? `FROM ${known.from}` : ''} WHERE ${condition}`;

export const auditParams = (event: AuditEvent): Record<AuditParam, unknown> => ({
  auditId: event.id,
  auditActor: event.actor,
  auditIp: event.ip,
  auditAction: event.action,
  auditWalletId: event.walletId,
  auditAmount: event.amount,
  auditOutcome: event.outcome,
  auditRequestId: event.requestId,
  auditCreatedAt: event.createdAt,
});

type RecordParam =
  | 'recordUserId'
  | 'recordKey'
  | 'recordOperation'
  | 'recordFingerprint'
  | 'recordStatus'
  | 'recordBody'
  | 'recordRequestId'
  | 'recordCreatedAt'
  | 'recordExpiresAt';

/** The `prior` of a one-statement write: the record already stored under the key, when a key was sent. */
export const PRIOR_RECORD = sql<'recordUserId' | 'recordKey'>`
  SELECT * FROM idempotency_keys
   WHERE ${param('recordKey')}::text IS NOT NULL AND user_id = ${param('recordUserId')} AND key = ${param('recordKey')}`;

/**
 * INSERT of the key's record from recordParams, when a key was sent and `condition` holds.
 * `reply` overrides the status and body with SQL (the one-statement credit builds its body
 * there); otherwise they are the recordStatus / recordBody parameters.
 */
export const insertRecord = <K extends string = never>(
  condition: string | Fragment<K>,
  reply?: { status: string | Fragment<K>; body: string | Fragment<K> },
): Fragment<RecordParam | K> => sql<RecordParam | K>`
  INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
  SELECT ${param('recordUserId')}::text, ${param('recordKey')}::text, ${param('recordOperation')}::text,
         ${param('recordFingerprint')}::text,
         ${reply?.status ?? sql`${param('recordStatus')}::integer`}, ${reply?.body ?? sql`${param('recordBody')}::json`},
         ${param('recordRequestId')}::text, ${param('recordCreatedAt')}::timestamptz, ${param('recordExpiresAt')}::timestamptz
   WHERE ${param('recordKey')}::text IS NOT NULL AND ${condition}`;

/** The record's values; status and body are null (unused) when the statement builds them. */
export function recordParams(
  context: WriteContext,
  operation: Operation,
  reply: Pick<IdempotencyRecord, 'statusCode' | 'body'> | null,
): Record<RecordParam, unknown> {
  return {
    recordUserId: context.userId,
    recordKey: context.idempotency?.key ?? null,
    recordOperation: operation,
    recordFingerprint: context.idempotency?.fingerprint ?? null,
    recordStatus: reply?.statusCode ?? null,
    recordBody: reply ? JSON.stringify(reply.body) : null,
    recordRequestId: context.requestId,
    recordCreatedAt: context.now,
    recordExpiresAt: context.idempotency?.expiresAt ?? context.now,
  };
}
