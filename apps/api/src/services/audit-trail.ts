import type { AuditEvent, LedgerStore } from '@wallet/ledger';
import { decodeAuditCursor, encodeAuditCursor } from '../lib/audit-cursor.js';

/** The append-only audit trail as admins read it: newest first, a page at a time. */
export class AuditTrailService {
  readonly #store: LedgerStore;

  constructor(store: LedgerStore) {
    this.#store = store;
  }

  async page(page: { limit: number; cursor?: string }): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    const before = page.cursor === undefined ? undefined : decodeAuditCursor(page.cursor);
    const rows = await this.#store.listAudit({ limit: page.limit + 1, before });
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > page.limit && last ? encodeAuditCursor(last) : null };
  }
}
