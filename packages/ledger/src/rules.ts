import { REMEMBERED_REFUSALS, type ErrorCode, type RememberedRefusal } from './errors.js';
import { minor, type Minor } from './money.js';
import type { BalanceCommand, Transaction, TransferCommand, Wallet } from './types.js';

/** A rule's verdict: apply, or refuse with a code (remembered or not, per the registry). */
export type Verdict = { ok: true } | { ok: false; code: ErrorCode; detail: string };

const refuse = (code: ErrorCode, detail: string): Verdict => ({ ok: false, code, detail });

/**
 * The money rules for a credit or debit on the wallet as read. Stores that read before
 * they write (MongoDB, and PostgreSQL when its guarded statement needs a reason) call this,
 * so every store refuses for the same reasons in the same order.
 */
export function judgeBalanceChange(wallet: Wallet | null, command: BalanceCommand): Verdict {
  if (!wallet || wallet.userId !== command.userId) return refuse('wallet_not_found', 'no such wallet');
  if (command.expectedVersion !== undefined && wallet.version !== command.expectedVersion) {
    return refuse('version_mismatch', `wallet is at version ${wallet.version}, not ${command.expectedVersion}`);
  }
  if (command.kind === 'debit' && wallet.availableBalance < command.amount) {
    return refuse('insufficient_funds', `available balance ${wallet.availableBalance} is less than ${command.amount}`);
  }
  if (command.kind === 'credit' && wallet.balance + command.amount > command.maxBalance) {
    return refuse('balance_limit_exceeded', `balance would exceed ${command.maxBalance}`);
  }
  return { ok: true };
}

export function judgeTransfer(from: Wallet | null, to: Wallet | null, command: TransferCommand): Verdict {
  if (!from || from.userId !== command.userId) return refuse('wallet_not_found', 'no such source wallet');
  if (!to) return refuse('wallet_not_found', 'no such destination wallet');
  if (from.id === to.id) return refuse('same_wallet', 'source and destination must differ');
  if (from.currency !== to.currency) {
    return refuse('currency_mismatch', `cannot transfer ${from.currency} to a ${to.currency} wallet`);
  }
  if (command.expectedVersion !== undefined && from.version !== command.expectedVersion) {
    return refuse('version_mismatch', `wallet is at version ${from.version}, not ${command.expectedVersion}`);
  }
  if (from.availableBalance < command.amount) {
    return refuse('insufficient_funds', `available balance ${from.availableBalance} is less than ${command.amount}`);
  }
  if (to.balance + command.amount > command.maxBalance) {
    return refuse('balance_limit_exceeded', `destination balance would exceed ${command.maxBalance}`);
  }
  return { ok: true };
}

export function isRemembered(code: ErrorCode): code is RememberedRefusal {
  return (REMEMBERED_REFUSALS as readonly ErrorCode[]).includes(code);
}

/** The wallet and entry a credit or debit produces (pure); read-then-CAS stores write them. */
export function balanceChangeOf(wallet: Wallet, command: BalanceCommand): { wallet: Wallet; entry: Transaction } {
  const delta = command.kind === 'credit' ? command.amount : -command.amount;
  const after: Wallet = {
    ...wallet,
    balance: minor(wallet.balance + delta),
    availableBalance: minor(wallet.availableBalance + delta),
    version: wallet.version + 1,
    updatedAt: command.now,
  };
  const entry: Transaction = {
    id: command.transactionId,
    walletId: wallet.id,
    type: command.kind,
    amount: command.amount,
    balanceBefore: wallet.balance,
    balanceAfter: after.balance,
    status: 'completed',
    reversedAmount: minor(0),
    metadata: command.metadata,
    createdAt: command.now,
  };
  return { wallet: after, entry };
}

export function transferEntries(
  from: Wallet,
  to: Wallet,
  command: TransferCommand,
): { debit: Transaction; credit: Transaction } {
  const leg = (wallet: Wallet, id: string, type: 'transfer_in' | 'transfer_out', balanceAfter: Minor): Transaction => ({
    id,
    walletId: wallet.id,
    type,
    amount: command.amount,
    balanceBefore: wallet.balance,
    balanceAfter,
    status: 'completed',
    transferId: command.transferId,
    reversedAmount: minor(0),
    metadata: command.metadata,
    createdAt: command.now,
  });
  return {
    debit: leg(from, command.debitId, 'transfer_out', minor(from.balance - command.amount)),
    credit: leg(to, command.creditId, 'transfer_in', minor(to.balance + command.amount)),
  };
}
