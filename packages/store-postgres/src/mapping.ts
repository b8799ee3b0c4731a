import {
  minor,
  type AuditEvent,
  type IdempotencyRecord,
  type StoredHold,
  type StoredTransaction,
  type Wallet,
  type WebhookEndpoint,
  type OutboxEventType,
} from '@wallet/ledger';
import { toIso } from './sql-util.js';

type Row = Record<string, unknown>;

const DATE_COLUMNS = ['created_at', 'updated_at', 'expires_at'] as const;

/**
 * A row that arrived through row_to_json / json_agg, with its timestamp columns (those it has)
 * turned back into Dates, as node-postgres gives them for a plain SELECT.
 */
export function reviveJsonRow(row: Row): Row {
  const revived: Row = { ...row };
  for (const column of DATE_COLUMNS) {
    if (row[column] !== undefined) revived[column] = new Date(row[column] as string);
  }
  return revived;
}

export function walletFromRow(row: Row): Wallet {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    currency: row.currency as string,
    balance: minor(row.balance as number),
    heldBalance: minor(row.held_balance as number),
    availableBalance: minor((row.balance as number) - (row.held_balance as number)),
    version: row.version as number,
    createdAt: toIso(row.created_at as Date),
    updatedAt: toIso(row.updated_at as Date),
  };
}

export function entryFromRow(row: Row): StoredTransaction {
  const entry: StoredTransaction = {
    id: row.id as string,
    walletId: row.wallet_id as string,
    type: row.type as StoredTransaction['type'],
    amount: minor(row.amount as number),
    balanceBefore: minor(row.balance_before as number),
    balanceAfter: minor(row.balance_after as number),
    status: 'completed',
    reversedAmount: minor(row.reversed_amount as number),
    metadata: row.metadata as Record<string, string>,
    createdAt: toIso(row.created_at as Date),
    seq: row.seq as number,
  };
  if (row.transfer_id) entry.transferId = row.transfer_id as string;
  if (row.hold_id) entry.holdId = row.hold_id as string;
  if (row.reversal_of) entry.reversalOf = row.reversal_of as string;
  return entry;
}

/** Rows of holds joined with their wallet's user_id (also through row_to_json, with dates revived). */
export function holdFromRow(row: Row): StoredHold {
  return {
    id: row.id as string,
    walletId: row.wallet_id as string,
    amount: minor(Number(row.amount)),
    capturedAmount: minor(Number(row.captured_amount)),
    status: row.status as StoredHold['status'],
    expiresAt: toIso(row.expires_at as Date),
    createdAt: toIso(row.created_at as Date),
    updatedAt: toIso(row.updated_at as Date),
    metadata: row.metadata as Record<string, string>,
    userId: row.user_id as string,
    seq: Number(row.seq),
  };
}

/** Rows of idempotency_keys, also when they arrive through row_to_json (dates as strings). */
export function idempotencyFromRow(row: Row): IdempotencyRecord {
  return {
    userId: row.user_id as string,
    key: row.key as string,
    operation: row.operation as IdempotencyRecord['operation'],
    fingerprint: row.fingerprint as string,
    statusCode: Number(row.status_code),
    body: row.body as IdempotencyRecord['body'],
    requestId: row.request_id as string,
    createdAt: new Date(row.created_at as string).toISOString(),
    expiresAt: new Date(row.expires_at as string).toISOString(),
  };
}

export function auditFromRow(row: Row): AuditEvent {
  return {
    id: row.id as string,
    actor: row.actor as string,
    ip: row.ip as string,
    action: row.action as string,
    walletId: (row.wallet_id as string | null) ?? null,
    amount: row.amount === null || row.amount === undefined ? null : minor(row.amount as number),
    outcome: row.outcome as string,
    requestId: row.request_id as string,
    createdAt: toIso(row.created_at as Date),
  };
}

export function webhookFromRow(row: Row): WebhookEndpoint {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    url: row.url as string,
    events: row.events as OutboxEventType[],
    secret: row.secret as string,
    createdAt: toIso(row.created_at as Date),
  };
}
