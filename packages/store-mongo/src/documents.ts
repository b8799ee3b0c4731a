import type { Long } from 'mongodb';
import type { EntryType, HoldStatus, Operation, OutboxEvent, OutboxEventType } from '@wallet/ledger';

/**
 * The shapes documents have in MongoDB. Money, versions and sequence numbers are BSON
 * int64 (`Long`), never doubles; times are BSON dates; ids are UUID strings used as `_id`.
 * Only mapping.ts turns these into domain types, so no driver type crosses the port.
 */

export interface WalletDoc {
  _id: string;
  userId: string;
  currency: string;
  balance: Long;
  /** Sum of the active holds; 0 <= heldBalance <= balance (guarded updates and the collection validator). */
  heldBalance: Long;
  /** Holds ever placed on the wallet: the next hold's seq is holdCount + 1. */
  holdCount: Long;
  version: Long;
  createdAt: Date;
  updatedAt: Date;
}

export interface HoldDoc {
  _id: string;
  walletId: string;
  /** The wallet's owner, copied at creation (owners never change), for the ownership check. */
  userId: string;
  /** 1, 2, 3, … per wallet (unique with walletId): lists page on it. */
  seq: Long;
  amount: Long;
  capturedAmount: Long;
  status: HoldStatus;
  /** Set from the database's clock ($$NOW) at creation; capture, void and the sweep compare with $$NOW. */
  expiresAt: Date;
  metadata: MetadataPair[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Metadata is kept as an ordered list of pairs rather than an object: its keys may hold
 * dots, which MongoDB field names handle badly, and the list keeps the sorted key order.
 */
export interface MetadataPair {
  k: string;
  v: string;
}

export interface EntryDoc {
  _id: string;
  walletId: string;
  /** Wallet version this entry produced: 1, 2, 3, … per wallet (unique with walletId). */
  seq: Long;
  type: EntryType;
  amount: Long;
  balanceBefore: Long;
  balanceAfter: Long;
  status: 'completed';
  transferId?: string;
  holdId?: string;
  reversalOf?: string;
  /** Absent on entries written before reversals existed: read as 0. */
  reversedAmount?: Long;
  metadata: MetadataPair[];
  createdAt: Date;
}

export interface IdempotencyDoc {
  _id: string;
  userId: string;
  key: string;
  operation: Operation;
  fingerprint: string;
  statusCode: number;
  /**
   * The reply body as JSON text: a replay must be byte-identical, and JSON text keeps key
   * order and integer money exactly as the first reply rendered them.
   */
  body: string;
  requestId: string;
  createdAt: Date;
  /** Purged after this by the worker; the TTL index removes it a week later at the latest. */
  expiresAt: Date;
}

/** The event as stored: its fields with BSON types (`_id` = the event id), plus the relay's claim state. */
export interface OutboxDoc extends Omit<OutboxEvent, 'id' | 'amount' | 'balanceAfter' | 'occurredAt'> {
  _id: string;
  amount: Long;
  balanceAfter: Long;
  occurredAt: Date;
  /** The wallet's version after this entry: with createdAt, the claim order (outbox.ts). */
  walletVersion: Long;
  /** The database server's clock when the event was written ($currentDate), never the API host's. */
  createdAt: Date;
  publishedAt: Date | null;
  claimedBy: string | null;
  /** Unique per claim call, so a relay reads back exactly the events it has just won. */
  claimToken: string | null;
  claimedUntil: Date | null;
}

/** One delivery (event, endpoint); `_id` is the delivery job id `<eventId>.<endpointId>`. */
export interface DeliveryDoc {
  _id: string;
  eventId: string;
  endpointId: string;
  state: 'pending' | 'delivered' | 'dead' | 'skipped';
  /** Server clock; set only while pending. */
  dueAt: Date | null;
  /** Unique per claimDueDeliveries call, so a relay reads back exactly the pairs it won. */
  claimToken: string | null;
  updatedAt: Date;
}

export interface AuditDoc {
  _id: string;
  actor: string;
  ip: string;
  action: string;
  walletId: string | null;
  amount: Long | null;
  outcome: string;
  requestId: string;
  createdAt: Date;
}

/** A user's endpoint counter: the document the endpoint cap is checked and taken on (webhooks.ts). */
export interface WebhookQuotaDoc {
  _id: string;
  endpoints: number;
}

export interface WebhookDoc {
  _id: string;
  userId: string;
  url: string;
  events: OutboxEventType[];
  secret: string;
  createdAt: Date;
}

export interface MismatchDoc {
  kind: string;
  walletId?: string;
  transferId?: string;
  transactionId?: string;
  detail: string;
}

export interface ReportDoc {
  _id: string;
  startedAt: Date;
  finishedAt: Date;
  walletsChecked: Long;
  transfersChecked: Long;
  mismatches: MismatchDoc[];
}
