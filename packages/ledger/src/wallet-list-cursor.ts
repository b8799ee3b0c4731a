import { createHmac } from 'node:crypto';
import { LedgerError } from './errors.js';
import { CursorCodec } from './cursor.js';

/** Where a page of a user's wallets ends: the (createdAt, id) of its last wallet. */
export interface WalletListPosition {
  createdAt: string;
  id: string;
}

/**
 * Wallet-list cursors, signed by the same codec as history cursors: the codec's (user,
 * wallet, number) position carries the caller, the last wallet's id and its creation time in
 * epoch milliseconds. A key derived for this use keeps a history cursor from being accepted
 * here and the other way round.
 */
export class WalletListCursor {
  readonly #codec: CursorCodec;

  constructor(secret: string | Buffer) {
    this.#codec = new CursorCodec(createHmac('sha256', secret).update('wallet-list-cursor-v1').digest());
  }

  encode(userId: string, last: WalletListPosition): string {
    return this.#codec.encode({ userId, walletId: last.id, seq: Date.parse(last.createdAt) });
  }

  /** Throws 400 validation_failed for anything this codec did not issue for this user. */
  decode(userId: string, cursor: string): WalletListPosition {
    // The wallet id is read from the payload only to name what the signature must cover;
    // decode() checks the signature over the whole payload and the user before it is used.
    const position = this.#codec.decode(cursor, { userId, walletId: claimedWalletId(cursor) });
    return { id: position.walletId, createdAt: new Date(position.seq).toISOString() };
  }
}

function claimedWalletId(cursor: string): string {
  try {
    const [payload] = cursor.split('.');
    const parsed: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[1] === 'string') return parsed[1];
  } catch {
    // Falls through to the refusal below.
  }
  throw new LedgerError('validation_failed', 'cursor is malformed or was not issued for this list');
}
