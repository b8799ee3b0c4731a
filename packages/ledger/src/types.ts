import type { ErrorCode, RememberedRefusal } from './errors.js';
import type { Minor } from './money.js';

/** Flat string map; keys sorted at intake so every store and every replay renders alike. */
export type Metadata = Record<string, string>;

export interface Wallet {
  id: string;
  userId: string;
  currency: string;
  /** 0 <= balance <= Number.MAX_SAFE_INTEGER: the sum of the wallet's entries. */
  balance: Minor;
  /** Reserved by active holds; 0 <= heldBalance <= balance (enforced by the database). */
  heldBalance: Minor;
  /** balance - heldBalance: what debits, transfers out and new holds may spend. */
  availableBalance: Minor;
  /** Number of ledger entries on the wallet; bumped by every balance change. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type EntryType = 'credit' | 'debit' | 'transfer_in' | 'transfer_out' | 'capture' | 'capture_in' | 'reversal';

/** One ledger entry ("transaction" in the API). Immutable once written. */
export interface Transaction {
  id: string;
  walletId: string;
  type: EntryType;
  amount: Minor;
  balanceBefore: Minor;
  balanceAfter: Minor;
  status: 'completed';
  transferId?: string;
  /** The hold a `capture` or `capture_in` entry settles. */
  holdId?: string;
  /** The entry a `reversal` entry gives money back for. */
  reversalOf?: string;
  /** How much of this entry has been reversed so far (0 until a reversal); never above amount. */
  reversedAmount: Minor;
  metadata: Metadata;
  createdAt: string;
}

export type HoldStatus = 'active' | 'captured' | 'voided' | 'expired';

/** A reservation of part of a wallet's available balance (two-phase money movement). */
export interface Hold {
  id: string;
  walletId: string;
  amount: Minor;
  /** 0 until captured; the captured part (the rest was released). */
  capturedAmount: Minor;
  status: HoldStatus;
  /** From this time on (the database's clock) the hold can no longer be captured or voided. */
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  metadata: Metadata;
}

/** A hold as the store keeps it: with its wallet's owner and its per-wallet position. */
export interface StoredHold extends Hold {
  userId: string;
  /** 1, 2, 3, … per wallet in creation order; lists page on it. */
  seq: number;
}

/** A ledger entry as the store keeps it: the wallet version it produced orders history. */
export interface StoredTransaction extends Transaction {
  /** Wallet version after this entry: 1, 2, 3, … per wallet; never reused. */
  seq: number;
}

export interface BalanceResult {
  transactionId: string;
  wallet: Wallet;
  transaction: Transaction;
}

export interface TransferResult {
  transferId: string;
  debit: Transaction;
  credit: Transaction;
}

export interface HoldResult {
  hold: Hold;
  wallet: Wallet;
}

export interface CaptureResult {
  hold: Hold;
  transaction: Transaction;
  wallet: Wallet;
  /** The capture_in entry on the destination wallet, when captured into one. */
  credit?: Transaction;
}

export interface ReversalResult {
  reversal: Transaction;
  /** The reversed entry, with its reversedAmount after this reversal. */
  original: Transaction;
  /** The wallet of the reversed entry, after the reversal. */
  wallet: Wallet;
}

/** The body a request produced, kept with its idempotency key and replayed as it is. */
export type StoredBody =
  | { data: BalanceResult | TransferResult | Wallet | HoldResult | CaptureResult | ReversalResult }
  | { error: { code: RememberedRefusal; detail: string } };

export type Operation =
  | 'wallet.create'
  | 'wallet.credit'
  | 'wallet.debit'
  | 'transfer.create'
  | 'hold.create'
  | 'hold.capture'
  | 'hold.void'
  | 'transaction.reverse';

export interface IdempotencyRecord {
  userId: string;
  key: string;
  operation: Operation;
  /** SHA-256 of method, route and canonical body: same key + other request → 422. */
  fingerprint: string;
  statusCode: number;
  body: StoredBody;
  /** Request id of the original request, repeated in a replayed problem body. */
  requestId: string;
  createdAt: string;
  expiresAt: string;
}

/** What every write carries to the store: who, which key, and the audit context. */
export interface WriteContext {
  userId: string;
  requestId: string;
  ip: string;
  /** ISO time the core assigns to everything this write creates. */
  now: string;
  idempotency?: { key: string; fingerprint: string; expiresAt: string };
}

export interface CreateWalletCommand extends WriteContext {
  walletId: string;
  currency: string;
}

export interface BalanceCommand extends WriteContext {
  kind: 'credit' | 'debit';
  walletId: string;
  amount: Minor;
  metadata: Metadata;
  /** Client-side compare-and-swap (If-Match): refuse unless the wallet is at this version. */
  expectedVersion?: number;
  transactionId: string;
  maxBalance: Minor;
}

export interface TransferCommand extends WriteContext {
  fromWalletId: string;
  toWalletId: string;
  amount: Minor;
  metadata: Metadata;
  expectedVersion?: number;
  transferId: string;
  debitId: string;
  creditId: string;
  maxBalance: Minor;
}

export interface CreateHoldCommand extends WriteContext {
  holdId: string;
  walletId: string;
  amount: Minor;
  metadata: Metadata;
  /** expiresAt = the database's clock + this, so expiry is judged on one clock only. */
  ttlSeconds: number;
  /** Id of the hold.created outbox event. */
  eventId: string;
}

export interface CaptureHoldCommand extends WriteContext {
  holdId: string;
  /** Defaults to the whole hold; less releases the rest. */
  amount?: Minor;
  /** Any wallet of the same currency receives the captured amount as a capture_in entry. */
  toWalletId?: string;
  /** Metadata of the entries; when non-empty it also replaces the hold's. */
  metadata: Metadata;
  transactionId: string;
  creditId: string;
  maxBalance: Minor;
}

export interface VoidHoldCommand extends WriteContext {
  holdId: string;
  /** When non-empty, replaces the hold's metadata. */
  metadata: Metadata;
  eventId: string;
}

export interface ReverseCommand extends WriteContext {
  /** The entry to reverse. */
  originalId: string;
  /** Defaults to all that is left to reverse. */
  amount?: Minor;
  metadata: Metadata;
  /** The reversal entry on the original's wallet. */
  reversalId: string;
  /** The counterpart reversal entry (the other side of a transfer or a capture into a wallet). */
  counterpartId: string;
  maxBalance: Minor;
}

/** One sweep of expired holds; `now` and the actor are for the audit rows, the clock is the database's. */
export interface ExpireHoldsCommand {
  limit: number;
  now: string;
  requestId: string;
}

/**
 * What a store says about a write. `stored` means this call committed the outcome (an
 * effect, or a remembered refusal) with its idempotency record; `existing` means the key
 * was already used and here is its record; `refused` is an outcome that is not remembered;
 * a lost race is a thrown VersionConflict.
 */
export type WriteOutcome =
  | { kind: 'stored'; statusCode: number; body: StoredBody }
  | { kind: 'existing'; record: IdempotencyRecord }
  | { kind: 'refused'; code: Exclude<ErrorCode, RememberedRefusal> | RememberedRefusal; detail: string };

export type OutboxEventType =
  | 'wallet.credited'
  | 'wallet.debited'
  | 'transfer.completed'
  | 'hold.created'
  | 'hold.captured'
  | 'hold.voided'
  | 'hold.expired'
  | 'transaction.reversed';

/**
 * An event written in the same transaction as its change; id = the entry's id for entry
 * events, a fresh id for hold events that write no entry (created, voided, expired).
 */
export interface OutboxEvent {
  id: string;
  type: OutboxEventType;
  userId: string;
  walletId: string;
  /** The entry, for events about one (absent on hold.created, hold.voided, hold.expired). */
  transactionId?: string;
  transferId?: string;
  holdId?: string;
  reversalOf?: string;
  direction?: 'in' | 'out';
  currency: string;
  amount: Minor;
  balanceAfter: Minor;
  occurredAt: string;
}

export interface AuditEvent {
  id: string;
  actor: string;
  ip: string;
  action: string;
  walletId: string | null;
  amount: Minor | null;
  outcome: string;
  requestId: string;
  createdAt: string;
}

export interface WebhookEndpoint {
  id: string;
  userId: string;
  url: string;
  /** Event types delivered; empty = all. */
  events: OutboxEventType[];
  /** Standard Webhooks secret, `whsec_` + base64. */
  secret: string;
  createdAt: string;
}

/** One wallet as reconciliation sees it: stored balance against its entries. */
export interface WalletAudit {
  walletId: string;
  balance: number;
  version: number;
  entrySum: number;
  entryCount: number;
  /** The last entry's balanceAfter (null without entries). */
  lastBalanceAfter: number | null;
  heldBalance: number;
  /** Sum of the amounts of the wallet's active holds. */
  activeHoldSum: number;
}

/** An entry whose stored reversedAmount disagrees with its reversals, or exceeds its amount. */
export interface ReversalAudit {
  transactionId: string;
  amount: number;
  reversedAmount: number;
  reversalSum: number;
}

export interface ReconciliationReport {
  id: string;
  startedAt: string;
  finishedAt: string;
  walletsChecked: number;
  transfersChecked: number;
  mismatches: Array<{ kind: string; walletId?: string; transferId?: string; transactionId?: string; detail: string }>;
}

export const OUTBOX_EVENT_TYPES: readonly OutboxEventType[] = [
  'wallet.credited',
  'wallet.debited',
  'transfer.completed',
  'hold.created',
  'hold.captured',
  'hold.voided',
  'hold.expired',
  'transaction.reversed',
];
