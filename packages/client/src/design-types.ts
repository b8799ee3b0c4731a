// Types written from DESIGN.md §3 for routes the API does not document yet: holds, reversals
// and the paged wallet list, which are being added in parallel. Once docs/openapi.json
// documents them (operationIds createHold, getHold, listHolds, captureHold, voidHold,
// reverseTransaction; listWallets' query), replace these declarations with derived ones in
// types.ts (`ReplyData<'createHold', 201>`, `QueryOf<'listWallets'>`, …) and delete this file.
import type { Transaction, Wallet } from './types.js';

export type HoldStatus = 'active' | 'captured' | 'voided' | 'expired';

export interface Hold {
  id: string;
  walletId: string;
  amount: number;
  capturedAmount: number;
  status: HoldStatus;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, string>;
}

export interface CreateHoldBody {
  walletId: string;
  amount: number;
  /** 1 to HOLD_MAX_TTL_SECONDS; default HOLD_DEFAULT_TTL_SECONDS. */
  expiresInSeconds?: number;
  metadata?: Record<string, string>;
}

/** `{ hold, wallet }`: the hold, and the wallet with its new heldBalance. */
export interface HoldResult {
  hold: Hold;
  wallet: Wallet;
}

export interface CaptureHoldBody {
  /** Default: the whole hold; less releases the remainder. */
  amount?: number;
  /** Any user's wallet in the same currency, credited atomically (a `capture_in` entry). */
  toWalletId?: string;
  metadata?: Record<string, string>;
}

export interface CaptureResult {
  hold: Hold;
  transaction: Transaction;
  wallet: Wallet;
  /** The `capture_in` entry on `toWalletId`, when one was named. */
  credit?: Transaction;
}

export interface VoidHoldBody {
  metadata?: Record<string, string>;
}

export interface ListHoldsQuery {
  walletId: string;
  status?: HoldStatus;
  limit?: number;
  cursor?: string;
}

export interface ReverseBody {
  /** Default: all that is left of the entry. */
  amount?: number;
  metadata?: Record<string, string>;
}

export interface ReversalResult {
  reversal: Transaction;
  original: Transaction;
  wallet: Wallet;
}

/** `GET /api/wallets`: 1-100, default 100; `cursor` is the previous page's nextCursor. */
export interface ListWalletsQuery {
  limit?: number;
  cursor?: string;
}
