import type {
  AuditEvent,
  BalanceCommand,
  Hold,
  OutboxEvent,
  Transaction,
  TransferCommand,
  Wallet,
  WriteContext,
} from './types.js';

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
      return {
        ...base,
        type: 'transfer.completed',
        transferId: entry.transferId!,
        direction: entry.type === 'transfer_in' ? 'in' : 'out',
      };
    case 'capture':
    case 'capture_in':
      return { ...base, type: 'hold.captured', holdId: entry.holdId!, direction: entry.type === 'capture_in' ? 'in' : 'out' };
    case 'reversal':
      return {
        ...base,
        type: 'transaction.reversed',
        reversalOf: entry.reversalOf!,
        direction: entry.balanceAfter > entry.balanceBefore ? 'in' : 'out',
      };
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

export function auditEventFor(
  context: WriteContext,
  action: string,
  outcome: string,
  fields: { id: string; walletId?: string | null; amount?: number | null },
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

export const actionOf = (command: BalanceCommand | TransferCommand): string =>
  'kind' in command ? `wallet.${command.kind}` : 'transfer.create';
