import { Int32, Long } from 'mongodb';
import { invariant, minor, type Minor } from '@wallet/ledger';
import type {
  AuditEvent,
  IdempotencyRecord,
  Metadata,
  OutboxEvent,
  ReconciliationReport,
  StoredBody,
  StoredHold,
  StoredTransaction,
  Transaction,
  Wallet,
  WebhookEndpoint,
} from '@wallet/ledger';
import type {
  AuditDoc,
  EntryDoc,
  HoldDoc,
  IdempotencyDoc,
  MetadataPair,
  MismatchDoc,
  OutboxDoc,
  ReportDoc,
  WalletDoc,
  WebhookDoc,
} from './documents.js';

/**
 * The one place documents become domain values and back. Every int64 read is checked to be
 * a safe JavaScript integer before it becomes a number; every time becomes an ISO string.
 */

/** The ids an entry, an event or a mismatch carries only when it has them (its transfer's, its hold's, ...). */
const ENTRY_LINKS = ['transferId', 'holdId', 'reversalOf'] as const;
const EVENT_LINKS = ['transactionId', 'transferId', 'holdId', 'reversalOf', 'direction'] as const;
const MISMATCH_LINKS = ['walletId', 'transferId', 'transactionId'] as const;

/**
 * A document or a domain value: its own fields, then those of the optional fields `keys` that
 * `from` has set. An unset field stays absent both ways: an undefined would be stored as null,
 * and a stored null (or a field an older document lacks) is read back as absent.
 */
function withLinks<R extends object, K extends keyof R>(
  from: NoInfer<{ readonly [P in K]?: R[P] | null }>,
  keys: readonly K[],
  value: NoInfer<Omit<R, K>>,
): R {
  const links: Partial<Pick<R, K>> = {};
  for (const key of keys) {
    const link = from[key];
    if (link !== undefined && link !== null) links[key] = link;
  }
  // Sound: every key of `keys` is optional in R, so R without them, plus those that are set, is an R.
  return { ...value, ...links } as R;
}

const SAFE_MAX = Long.fromNumber(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = Long.fromNumber(Number.MIN_SAFE_INTEGER);

/** A safe integer as BSON int64; anything else (fraction, NaN, beyond 2^53 - 1) is a bug. */
export function toLong(value: number, field: string): Long {
  invariant(Number.isSafeInteger(value), `${field} must be a safe integer`);
  return Long.fromNumber(value);
}

/**
 * Options of every read of stored documents: int32 and double values come back as their BSON
 * wrappers (`Int32`, `Double`) instead of plain numbers, so fromLong can refuse a double that
 * was written by hand. (Client-wide this would also change the driver's write results, whose
 * counts the store compares with plain numbers; hence per read.)
 */
export const DOC_READ = { promoteValues: false } as const;

/**
 * A stored integer as a number: int64 (`Long`, how money is written) or int32 (`Int32`, what
 * aggregation counts come back as), and only within the safe integer range. Anything else is
 * refused — a BSON double (even 100.0, which a hand-written update or a shell script makes),
 * a plain number (a read without DOC_READ cannot say whether it was a double), a string.
 */
export function fromLong(value: unknown, field: string): number {
  if (Long.isLong(value)) {
    invariant(
      value.lessThanOrEqual(SAFE_MAX) && value.greaterThanOrEqual(SAFE_MIN),
      `${field} is beyond the safe integer range`,
    );
    return value.toNumber();
  }
  invariant(value instanceof Int32, `${field} is not a stored integer (int64 or int32)`);
  return value.value;
}

/** An HTTP status kept with an idempotency record: not money, so any integer encoding is accepted. */
function statusFromDoc(value: unknown): number {
  const status = typeof value === 'number' ? value : fromLong(value, 'idempotency.statusCode');
  invariant(Number.isInteger(status) && status >= 100 && status <= 599, 'idempotency.statusCode is not a status');
  return status;
}

export function toDate(iso: string, field: string): Date {
  const date = new Date(iso);
  invariant(!Number.isNaN(date.getTime()), `${field} is not a valid time`);
  return date;
}

export function fromDate(value: unknown, field: string): string {
  invariant(value instanceof Date && !Number.isNaN(value.getTime()), `${field} is not a stored date`);
  return value.toISOString();
}

export function metadataToPairs(metadata: Metadata): MetadataPair[] {
  return Object.entries(metadata).map(([k, v]) => ({ k, v }));
}

export function metadataFromPairs(pairs: MetadataPair[]): Metadata {
  const metadata: Metadata = {};
  for (const { k, v } of pairs) metadata[k] = v;
  return metadata;
}

export function walletToDoc(wallet: Wallet): WalletDoc {
  return {
    _id: wallet.id,
    userId: wallet.userId,
    currency: wallet.currency,
    balance: toLong(wallet.balance, 'wallet.balance'),
    heldBalance: toLong(wallet.heldBalance, 'wallet.heldBalance'),
    holdCount: Long.ZERO,
    version: toLong(wallet.version, 'wallet.version'),
    createdAt: toDate(wallet.createdAt, 'wallet.createdAt'),
    updatedAt: toDate(wallet.updatedAt, 'wallet.updatedAt'),
  };
}

export function walletFromDoc(doc: WalletDoc): Wallet {
  const balance = minorFromLong(doc.balance, 'wallet.balance');
  const heldBalance = minorFromLong(doc.heldBalance ?? Long.ZERO, 'wallet.heldBalance');
  return {
    id: doc._id,
    userId: doc.userId,
    currency: doc.currency,
    balance,
    heldBalance,
    availableBalance: minor(balance - heldBalance),
    version: fromLong(doc.version, 'wallet.version'),
    createdAt: fromDate(doc.createdAt, 'wallet.createdAt'),
    updatedAt: fromDate(doc.updatedAt, 'wallet.updatedAt'),
  };
}

export function entryToDoc(entry: Transaction, seq: number): EntryDoc {
  return withLinks(entry, ENTRY_LINKS, {
    _id: entry.id,
    walletId: entry.walletId,
    seq: toLong(seq, 'entry.seq'),
    type: entry.type,
    amount: toLong(entry.amount, 'entry.amount'),
    balanceBefore: toLong(entry.balanceBefore, 'entry.balanceBefore'),
    balanceAfter: toLong(entry.balanceAfter, 'entry.balanceAfter'),
    status: entry.status,
    reversedAmount: toLong(entry.reversedAmount, 'entry.reversedAmount'),
    metadata: metadataToPairs(entry.metadata),
    createdAt: toDate(entry.createdAt, 'entry.createdAt'),
  });
}

export function entryFromDoc(doc: EntryDoc): StoredTransaction {
  return withLinks(doc, ENTRY_LINKS, {
    id: doc._id,
    walletId: doc.walletId,
    type: doc.type,
    amount: minorFromLong(doc.amount, 'entry.amount'),
    balanceBefore: minorFromLong(doc.balanceBefore, 'entry.balanceBefore'),
    balanceAfter: minorFromLong(doc.balanceAfter, 'entry.balanceAfter'),
    status: doc.status,
    reversedAmount: minorFromLong(doc.reversedAmount ?? Long.ZERO, 'entry.reversedAmount'),
    metadata: metadataFromPairs(doc.metadata),
    createdAt: fromDate(doc.createdAt, 'entry.createdAt'),
    seq: fromLong(doc.seq, 'entry.seq'),
  });
}

export function recordToDoc(record: IdempotencyRecord, id: string): IdempotencyDoc {
  return {
    _id: id,
    userId: record.userId,
    key: record.key,
    operation: record.operation,
    fingerprint: record.fingerprint,
    statusCode: record.statusCode,
    body: JSON.stringify(record.body),
    requestId: record.requestId,
    createdAt: toDate(record.createdAt, 'idempotency.createdAt'),
    expiresAt: toDate(record.expiresAt, 'idempotency.expiresAt'),
  };
}

export function recordFromDoc(doc: IdempotencyDoc): IdempotencyRecord {
  const body = JSON.parse(doc.body) as StoredBody;
  invariant(
    body !== null && typeof body === 'object' && ('data' in body || 'error' in body),
    'idempotency body is malformed',
  );
  return {
    userId: doc.userId,
    key: doc.key,
    operation: doc.operation,
    fingerprint: doc.fingerprint,
    statusCode: statusFromDoc(doc.statusCode),
    body,
    requestId: doc.requestId,
    createdAt: fromDate(doc.createdAt, 'idempotency.createdAt'),
    expiresAt: fromDate(doc.expiresAt, 'idempotency.expiresAt'),
  };
}

/**
 * An outbox event as stored, without `createdAt`: the insert takes that from the server's
 * clock (outbox.ts insertOutboxEvent), so relays on any host agree on the claim order.
 */
export function outboxToDoc(event: OutboxEvent, walletVersion: number): Omit<OutboxDoc, 'createdAt'> {
  return withLinks(event, EVENT_LINKS, {
    _id: event.id,
    type: event.type,
    userId: event.userId,
    walletId: event.walletId,
    currency: event.currency,
    amount: toLong(event.amount, 'outbox.amount'),
    balanceAfter: toLong(event.balanceAfter, 'outbox.balanceAfter'),
    occurredAt: toDate(event.occurredAt, 'outbox.occurredAt'),
    walletVersion: toLong(walletVersion, 'outbox.walletVersion'),
    publishedAt: null,
    claimedBy: null,
    claimToken: null,
    claimedUntil: null,
  });
}

export function outboxFromDoc(doc: OutboxDoc): OutboxEvent {
  return withLinks(doc, EVENT_LINKS, {
    id: doc._id,
    type: doc.type,
    userId: doc.userId,
    walletId: doc.walletId,
    currency: doc.currency,
    amount: minorFromLong(doc.amount, 'outbox.amount'),
    balanceAfter: minorFromLong(doc.balanceAfter, 'outbox.balanceAfter'),
    occurredAt: fromDate(doc.occurredAt, 'outbox.occurredAt'),
  });
}

export function holdToDoc(hold: StoredHold): HoldDoc {
  return {
    _id: hold.id,
    walletId: hold.walletId,
    userId: hold.userId,
    seq: toLong(hold.seq, 'hold.seq'),
    amount: toLong(hold.amount, 'hold.amount'),
    capturedAmount: toLong(hold.capturedAmount, 'hold.capturedAmount'),
    status: hold.status,
    expiresAt: toDate(hold.expiresAt, 'hold.expiresAt'),
    metadata: metadataToPairs(hold.metadata),
    createdAt: toDate(hold.createdAt, 'hold.createdAt'),
    updatedAt: toDate(hold.updatedAt, 'hold.updatedAt'),
  };
}

export function holdFromDoc(doc: HoldDoc): StoredHold {
  return {
    id: doc._id,
    walletId: doc.walletId,
    amount: minorFromLong(doc.amount, 'hold.amount'),
    capturedAmount: minorFromLong(doc.capturedAmount, 'hold.capturedAmount'),
    status: doc.status,
    expiresAt: fromDate(doc.expiresAt, 'hold.expiresAt'),
    createdAt: fromDate(doc.createdAt, 'hold.createdAt'),
    updatedAt: fromDate(doc.updatedAt, 'hold.updatedAt'),
    metadata: metadataFromPairs(doc.metadata),
    userId: doc.userId,
    seq: fromLong(doc.seq, 'hold.seq'),
  };
}

export function auditToDoc(event: AuditEvent): AuditDoc {
  return {
    _id: event.id,
    actor: event.actor,
    ip: event.ip,
    action: event.action,
    walletId: event.walletId,
    amount: event.amount === null ? null : toLong(event.amount, 'audit.amount'),
    outcome: event.outcome,
    requestId: event.requestId,
    createdAt: toDate(event.createdAt, 'audit.createdAt'),
  };
}

export function auditFromDoc(doc: AuditDoc): AuditEvent {
  return {
    id: doc._id,
    actor: doc.actor,
    ip: doc.ip,
    action: doc.action,
    walletId: doc.walletId ?? null,
    amount: doc.amount === null || doc.amount === undefined ? null : minorFromLong(doc.amount, 'audit.amount'),
    outcome: doc.outcome,
    requestId: doc.requestId,
    createdAt: fromDate(doc.createdAt, 'audit.createdAt'),
  };
}

/** An endpoint is stored as it is but for its id (`_id`) and createdAt (a Date); the events list is copied. */
export function webhookToDoc({ id, createdAt, ...endpoint }: WebhookEndpoint): WebhookDoc {
  return { _id: id, ...endpoint, events: [...endpoint.events], createdAt: toDate(createdAt, 'webhook.createdAt') };
}

/** Read field by field: a field a stored document may carry beyond the type never reaches the domain. */
export function webhookFromDoc(doc: WebhookDoc): WebhookEndpoint {
  const { _id: id, userId, url, events, secret, createdAt } = doc;
  return { id, userId, url, events: [...events], secret, createdAt: fromDate(createdAt, 'webhook.createdAt') };
}

/** A mismatch is stored as it is (its unset ids left out), so one copy maps it both ways. */
function copyMismatch(mismatch: MismatchDoc): MismatchDoc {
  return withLinks(mismatch, MISMATCH_LINKS, { kind: mismatch.kind, detail: mismatch.detail });
}

export function reportToDoc(report: ReconciliationReport): ReportDoc {
  return {
    _id: report.id,
    startedAt: toDate(report.startedAt, 'report.startedAt'),
    finishedAt: toDate(report.finishedAt, 'report.finishedAt'),
    walletsChecked: toLong(report.walletsChecked, 'report.walletsChecked'),
    transfersChecked: toLong(report.transfersChecked, 'report.transfersChecked'),
    mismatches: report.mismatches.map(copyMismatch),
  };
}

export function reportFromDoc(doc: ReportDoc): ReconciliationReport {
  return {
    id: doc._id,
    startedAt: fromDate(doc.startedAt, 'report.startedAt'),
    finishedAt: fromDate(doc.finishedAt, 'report.finishedAt'),
    walletsChecked: fromLong(doc.walletsChecked, 'report.walletsChecked'),
    transfersChecked: fromLong(doc.transfersChecked, 'report.transfersChecked'),
    mismatches: doc.mismatches.map(copyMismatch),
  };
}

/** A stored amount or balance: an int64 read back as a safe integer, in minor units. */
function minorFromLong(value: unknown, field: string): Minor {
  return minor(fromLong(value, field));
}
