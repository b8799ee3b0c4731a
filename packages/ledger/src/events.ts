import type {
  AuditEvent,
  BalanceCommand,
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
  }
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
