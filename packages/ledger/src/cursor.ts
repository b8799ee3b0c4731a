import { LedgerError } from './errors.js';
import { OpaqueCursor } from './opaque-cursor.js';

/** Where a history page ends: entries of walletId (owned by userId) older than seq. */
export interface HistoryPosition {
  userId: string;
  walletId: string;
  seq: number;
}

/**
 * History cursors: signed opaque cursors of [userId, walletId, seq]. A cursor is bound to its
 * user and wallet, so it cannot be replayed against someone else's wallet.
 */
export class CursorCodec {
  readonly #cursor: OpaqueCursor;

  /**
   * `purpose` separates cursor families: a history cursor never decodes as a holds cursor,
   * though both name a user, a wallet and a position.
   */
  constructor(secret: string | Buffer, purpose: 'history' | 'holds' = 'history') {
    this.#cursor = new OpaqueCursor({ secret, purpose: `wallet-${purpose}-cursor-v1` });
  }

  encode(position: HistoryPosition): string {
    return this.#cursor.encode([position.userId, position.walletId, position.seq]);
  }

  /** Throws 400 validation_failed for anything this codec did not issue for this user and wallet. */
  decode(cursor: string, expected: { userId: string; walletId: string }): HistoryPosition {
    const [userId, walletId, seq] = this.#cursor.decode(cursor, 3) ?? [];
    if (userId !== expected.userId || walletId !== expected.walletId) throw invalid();
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw invalid();
    return { userId, walletId, seq };
  }
}

const invalid = () => new LedgerError('validation_failed', 'cursor is malformed or was not issued for this wallet');
