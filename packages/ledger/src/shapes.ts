import { ERRORS, type RememberedRefusal } from './errors.js';
import type { Minor } from './money.js';
import type {
  AuditEvent,
  BalanceCommand,
  Hold,
  IdempotencyRecord,
  Operation,
  OutboxEvent,
  StoredBody,
  StoredHold,
  StoredTransaction,
  Transaction,
  TransferCommand,
  Wallet,
  WriteContext,
} from './types.js';

/**
 * The one definition of every shape a write leaves behind: the reply body a client sees (and
 * a replay repeats), the outbox event a webhook consumer sees, the audit row and the
 * idempotency record. Both stores build them here; where PostgreSQL builds a body or a
 * payload in SQL (its one-statement credit), the contract's shape cases compare the two field
 * by field, on every store.
 */
export interface Reply {
  statusCode: number;
  body: StoredBody;
}

export const balanceReply = (wallet: Wallet, entry: Transaction): Reply => ({
  statusCode: 200,
  body: { data: { transactionId: entry.id, wallet, transaction: entry } },
});

export const transferReply = (transferId: string, debit: Transaction, credit: Transaction): Reply => ({
  statusCode: 200,
  body: { data: { transferId, debit, credit } },
});

export const walletCreatedReply = (wallet: Wallet): Reply => ({ statusCode: 201, body: { data: wallet } });

export const holdCreatedReply = (hold: Hold, wallet: Wallet): Reply => ({
  statusCode: 201,
  body: { data: { hold, wallet } },
});

export const holdVoidedReply = (hold: Hold, wallet: Wallet): Reply => ({
  statusCode: 200,
  body: { data: { hold, wallet } },
});

/** A capture's reply; `credit` (the capture_in entry) only when captured into another wallet. */
export const captureReply = (hold: Hold, transaction: Transaction, wallet: Wallet, credit?: Transaction): Reply => ({
  statusCode: 200,
  body: { data: credit ? { hold, transaction, wallet, credit } : { hold, transaction, wallet } },
});

export const reversalReply = (reversal: Transaction, original: Transaction, wallet: Wallet): Reply => ({
  statusCode: 200,
  body: { data: { reversal, original, wallet } },
});

/** A remembered refusal as it is stored and replayed: the registry's status, the code and detail. */
export function refusalReply(code: RememberedRefusal, detail: string): Reply {
  return { statusCode: ERRORS[code].status, body: { error: { code, detail } } };
}

export const walletExistsDetail = (currency: string): string => `a ${currency} wallet already exists for this user`;

/** Which way an entry moved its wallet's money; a reversal says it by its balances, the others by their type. */
function directionOf(entry: Transaction): 'in' | 'out' {
  if (entry.type === 'reversal') return entry.balanceAfter > entry.balanceBefore ? 'in' : 'out';
  return entry.type === 'transfer_in' || entry.type === 'capture_in' ? 'in' : 'out';
}

/** The outbox event of one ledger entry; its id is the entry's id, so one entry = one event. */
export function outboxEventFor(entry: Transaction, wallet: Pick<Wallet, 'userId' | 'currency'>): OutboxEvent {
  const base = {
    id: entry.id,
    userId: wallet.userId,
    walletId: entry.walletId,
    transactionId: entry.id,
    currency: wallet.currency,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    occurredAt: entry.createdAt,
  };
  switch (entry.type) {
    case 'credit':
      return { ...base, type: 'wallet.credited' };
    case 'debit':
      return { ...base, type: 'wallet.debited' };
    case 'transfer_in':
    case 'transfer_out':
      return { ...base, type: 'transfer.completed', transferId: entry.transferId!, direction: directionOf(entry) };
    case 'capture':
    case 'capture_in':
      return { ...base, type: 'hold.captured', holdId: entry.holdId!, direction: directionOf(entry) };
    case 'reversal':
      return { ...base, type: 'transaction.reversed', reversalOf: entry.reversalOf!, direction: directionOf(entry) };
  }
}

/** The outbox event of a hold change that writes no entry: created, voided or expired. */
export function holdEventFor(
  type: 'hold.created' | 'hold.voided' | 'hold.expired',
  eventId: string,
  hold: Hold,
  wallet: Pick<Wallet, 'userId' | 'currency' | 'balance'>,
  occurredAt: string,
): OutboxEvent {
  return {
    id: eventId,
    type,
    userId: wallet.userId,
    walletId: hold.walletId,
    holdId: hold.id,
    currency: wallet.currency,
    amount: hold.amount,
    balanceAfter: wallet.balance,
    occurredAt,
  };
}

/** The outbox event type of a credit or debit (the SQL statement names it as a parameter). */
export const balanceEventType = (kind: BalanceCommand['kind']): OutboxEvent['type'] =>
  kind === 'credit' ? 'wallet.credited' : 'wallet.debited';

export function auditEventFor(
  context: Pick<WriteContext, 'userId' | 'ip' | 'requestId' | 'now'>,
  action: string,
  outcome: string,
  fields: { id: string; walletId?: string | null; amount?: Minor | null },
): AuditEvent {
  return {
    id: fields.id,
    actor: context.userId,
    ip: context.ip,
    action,
    walletId: fields.walletId ?? null,
    amount: fields.amount ?? null,
    outcome,
    requestId: context.requestId,
    createdAt: context.now,
  };
}

/** The record a key keeps: what was asked (fingerprint) and the reply it got, until expiresAt. */
export function idempotencyRecordFor(
  context: WriteContext & { idempotency: NonNullable<WriteContext['idempotency']> },
  operation: Operation,
  reply: Reply,
): IdempotencyRecord {
  return {
    userId: context.userId,
    key: context.idempotency.key,
    operation,
    fingerprint: context.idempotency.fingerprint,
    statusCode: reply.statusCode,
    body: reply.body,
    requestId: context.requestId,
    createdAt: context.now,
    expiresAt: context.idempotency.expiresAt,
  };
}

export const actionOf = (command: BalanceCommand | TransferCommand): Operation =>
  'kind' in command ? `wallet.${command.kind}` : 'transfer.create';

/** The port's Hold as a client sees it: the stored one without owner and position. */
export function publicHold(hold: StoredHold): Hold {
  const { userId: _userId, seq: _seq, ...rest } = hold;
  return rest;
}

/** The port's Transaction as a client sees it: the stored one without its position. */
export function publicEntry(entry: StoredTransaction): Transaction {
  const { seq: _seq, ...transaction } = entry;
  return transaction;
}
