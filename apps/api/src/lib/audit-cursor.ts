import { LedgerError, type AuditEvent } from '@wallet/ledger';

/**
 * Audit cursors: base64url of `[createdAt, id]`, the store's (time, id) position. Admin-only, so
 * not signed, but strictly checked.
 */
export function encodeAuditCursor(event: Pick<AuditEvent, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([event.createdAt, event.id])).toString('base64url');
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ID = /^[A-Za-z0-9-]{1,64}$/;

export function decodeAuditCursor(cursor: string): { createdAt: string; id: string } {
  const invalid = new LedgerError('validation_failed', 'cursor is malformed');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid;
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== 'string' || !ISO_TIME.test(createdAt) || typeof id !== 'string' || !ID.test(id))
    throw invalid;
  return { createdAt, id };
}
