import type { ErrorCode, RememberedRefusal } from './errors.js';
import type { Minor } from './money.js';

/** Flat string map; keys sorted at intake so every store and every replay renders alike. */
export type Metadata = Record<string, string>;

export interface Wallet {
  id: string;
  userId: string;
  currency: string;
  /** 0 <= balance <= Number.MAX_SAFE_INTEGER. */
  balance: Minor;
  /** Number of ledger entries on the wallet; bumped by every balance change. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type EntryType = 'credit' | 'debit' | 'transfer_in' | 'transfer_out';

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
  metadata: Metadata;
  createdAt: string;
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

/** The body a request produced, kept with its idempotency key and replayed as it is. */
export type StoredBody =
  { data: BalanceResult | TransferResult | Wallet } | { error: { code: RememberedRefusal; detail: string } };

export type Operation = 'wallet.create' | 'wallet.credit' | 'wallet.debit' | 'transfer.create';

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

export type OutboxEventType = 'wallet.credited' | 'wallet.debited' | 'transfer.completed';

/** An event written in the same transaction as its ledger entry; id = the entry's id. */
export interface OutboxEvent {
  id: string;
  type: OutboxEventType;
  userId: string;
  walletId: string;
  transactionId: string;
  transferId?: string;
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
}

export interface ReconciliationReport {
  id: string;
  startedAt: string;
  finishedAt: string;
  walletsChecked: number;
  transfersChecked: number;
  mismatches: Array<{ kind: string; walletId?: string; transferId?: string; detail: string }>;
}

export const OUTBOX_EVENT_TYPES: readonly OutboxEventType[] = [
  'wallet.credited',
  'wallet.debited',
  'transfer.completed',
];
