import { LedgerError } from './errors.js';
import { OpaqueCursor } from './opaque-cursor.js';

/** Where a page of a user's wallets ends: the (createdAt, id) of its last wallet. */
export interface WalletListPosition {
  createdAt: string;
  id: string;
}

/**
 * Wallet-list cursors: signed opaque cursors of [userId, createdAt, id]. The key is derived
 * for this use, so a history cursor is never accepted here nor the other way round, and the
 * user is bound in, so one user's cursor pages nobody else's wallets.
 */
export class WalletListCursor {
  readonly #cursor: OpaqueCursor;

  constructor(secret: string | Buffer) {
    this.#cursor = new OpaqueCursor({ secret, purpose: 'wallet-list-cursor-v1' });
  }

  encode(userId: string, last: WalletListPosition): string {
    return this.#cursor.encode([userId, last.createdAt, last.id]);
  }

  /** Throws 400 validation_failed for anything this codec did not issue for this user. */
  decode(userId: string, cursor: string): WalletListPosition {
    const [owner, createdAt, id] = this.#cursor.decode(cursor, 3) ?? [];
    const valid =
      owner === userId &&
      typeof id === 'string' &&
      typeof createdAt === 'string' &&
      !Number.isNaN(Date.parse(createdAt));
    if (!valid) throw new LedgerError('validation_failed', 'cursor is malformed or was not issued for this list');
    return { createdAt, id };
  }
}
