import { LedgerError, type AuditEvent } from '@wallet/ledger';
import { OpaqueCursor } from '@wallet/ledger/opaque-cursor';

/**
 * Audit cursors: opaque cursors of `[createdAt, id]`, the store's (time, id) position.
 * Admin-only, so not signed, but strictly checked.
 */
const cursor = new OpaqueCursor({ purpose: 'audit' });

export function encodeAuditCursor(event: Pick<AuditEvent, 'createdAt' | 'id'>): string {
  return cursor.encode([event.createdAt, event.id]);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const ID = /^[A-Za-z0-9-]{1,64}$/;

export function decodeAuditCursor(value: string): { createdAt: string; id: string } {
  const [createdAt, id] = cursor.decode(value, 2) ?? [];
  if (typeof createdAt !== 'string' || !ISO_TIME.test(createdAt) || typeof id !== 'string' || !ID.test(id))
    throw new LedgerError('validation_failed', 'cursor is malformed');
  return { createdAt, id };
}
