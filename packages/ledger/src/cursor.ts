import { createHmac, timingSafeEqual } from 'node:crypto';
import { LedgerError } from './errors.js';

/** Where a history page ends: entries of walletId (owned by userId) older than seq. */
export interface HistoryPosition {
  userId: string;
  walletId: string;
  seq: number;
}

const SIGNATURE_BYTES = 16; // 128-bit truncated HMAC-SHA256: forging is out of reach.
const CURSOR_CHARS_MAX = 512;

/**
 * Opaque, tamper-checked cursors: base64url(JSON) + "." + base64url(HMAC). A cursor is bound
 * to its user and wallet, so it cannot be replayed against someone else's wallet.
 */
export class CursorCodec {
  readonly #key: Buffer;

  /**
   * `purpose` separates cursor families: a history cursor never decodes as a holds cursor,
   * though both name a user, a wallet and a position.
   */
  constructor(secret: string | Buffer, purpose: 'history' | 'holds' = 'history') {
    this.#key = createHmac('sha256', secret).update(`wallet-${purpose}-cursor-v1`).digest();
  }

  encode(position: HistoryPosition): string {
    const payload = Buffer.from(JSON.stringify([position.userId, position.walletId, position.seq])).toString(
      'base64url',
    );
    return `${payload}.${this.#sign(payload).toString('base64url')}`;
  }

  /** Throws 400 validation_failed for anything this codec did not issue for this user and wallet. */
  decode(cursor: string, expected: { userId: string; walletId: string }): HistoryPosition {
    const invalid = () => new LedgerError('validation_failed', 'cursor is malformed or was not issued for this wallet');
    if (cursor.length > CURSOR_CHARS_MAX) throw invalid();
    const [payload, signature, extra] = cursor.split('.');
    if (!payload || !signature || extra !== undefined) throw invalid();
    const given = Buffer.from(signature, 'base64url');
    const wanted = this.#sign(payload);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
    const [userId, walletId, seq] = parsed as unknown[];
    if (userId !== expected.userId || walletId !== expected.walletId) throw invalid();
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw invalid();
    return { userId, walletId, seq };
  }

  #sign(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest().subarray(0, SIGNATURE_BYTES);
  }
}
