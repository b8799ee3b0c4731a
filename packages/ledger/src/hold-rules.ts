import type { ErrorCode } from './errors.js';
import { minor, type Minor } from './money.js';
import type { Verdict } from './rules.js';
import type {
  CaptureHoldCommand,
  CreateHoldCommand,
  ReverseCommand,
  StoredHold,
  StoredTransaction,
  Transaction,
  VoidHoldCommand,
  Wallet,
} from './types.js';

/**
 * The money rules of holds and reversals, judged on what a store read. Stores that read
 * before they write (MongoDB) decide with them; PostgreSQL decides in its guarded statement
 * and calls them only to say why nothing changed, so both refuse alike and in one order.
 */
const refuse = (code: ErrorCode, detail: string): Verdict => ({ ok: false, code, detail });

export function judgeCreateHold(wallet: Wallet | null, command: CreateHoldCommand): Verdict {
  if (!wallet || wallet.userId !== command.userId) return refuse('wallet_not_found', 'no such wallet');
  if (wallet.availableBalance < command.amount) {
    return refuse('insufficient_funds', `available balance ${wallet.availableBalance} is less than ${command.amount}`);
  }
  return { ok: true };
}

/** `expired`: the hold's expiresAt has passed by the database's clock (the store asks it). */
function judgeSettlement(hold: StoredHold | null, userId: string, expired: boolean): Verdict {
  if (!hold || hold.userId !== userId) return refuse('hold_not_found', 'no such hold');
  if (hold.status === 'expired' || (hold.status === 'active' && expired))
    return refuse('hold_expired', `hold expired at ${hold.expiresAt}`);
  if (hold.status !== 'active') return refuse('hold_not_active', `hold is ${hold.status}`);
  return { ok: true };
}

export function judgeVoid(hold: StoredHold | null, expired: boolean, command: VoidHoldCommand): Verdict {
  return judgeSettlement(hold, command.userId, expired);
}

export function judgeCapture(
  hold: StoredHold | null,
  expired: boolean,
  source: Wallet | null,
  destination: Wallet | null,
  command: CaptureHoldCommand,
): Verdict {
  const settlement = judgeSettlement(hold, command.userId, expired);
  if (!settlement.ok) return settlement;
  const amount = command.amount ?? hold!.amount;
  if (amount > hold!.amount) return refuse('capture_exceeds_hold', `capture ${amount} exceeds the hold's ${hold!.amount}`);
  if (command.toWalletId === undefined) return { ok: true };
  if (!destination) return refuse('wallet_not_found', 'no such destination wallet');
  if (destination.id === hold!.walletId) return refuse('same_wallet', 'capture into the wallet that holds the money');
  if (!source || source.currency !== destination.currency) {
    return refuse('currency_mismatch', `cannot capture ${source?.currency} into a ${destination.currency} wallet`);
  }
  if (destination.balance + amount > command.maxBalance) {
    return refuse('balance_limit_exceeded', `destination balance would exceed ${command.maxBalance}`);
  }
  return { ok: true };
}

/** Entry types a reversal may target, and the sign of the reversal on the entry's own wallet. */
const REVERSAL_SIGN: Partial<Record<Transaction['type'], 1 | -1>> = {
  credit: -1,
  transfer_in: -1,
  capture_in: -1,
  debit: 1,
  capture: 1,
};

/** The type of the entry on the other side that a reversal also gives back (none for credit/debit). */
export function counterpartType(type: Transaction['type']): Transaction['type'] | null {
  if (type === 'transfer_in') return 'transfer_out';
  if (type === 'capture') return 'capture_in';
  if (type === 'capture_in') return 'capture';
  return null;
}

export interface ReversalPlan {
  amount: Minor;
  /** Signed change of the original's wallet. */
  delta: number;
}

/**
 * A reversal of `original` (on `wallet`), with `counterpartWallet` the wallet of the other
 * side's entry (counterpartType) when there is one: who may reverse, how much is left, and whether both wallets can take it.
 */
export function judgeReversal(
  original: StoredTransaction | null,
  wallet: Wallet | null,
  counterpartWallet: Wallet | null,
  command: ReverseCommand,
): Verdict & { plan?: ReversalPlan } {
  if (!original || !wallet || wallet.userId !== command.userId) {
    return refuse('transaction_not_found', 'no such transaction');
  }
  const sign = REVERSAL_SIGN[original.type];
  if (sign === undefined) return refuse('not_reversible', `a ${original.type} entry cannot be reversed`);
  const left = original.amount - original.reversedAmount;
  const amount = command.amount ?? left;
  if (amount <= 0 || amount > left) {
    return refuse('reversal_exceeds_original', `only ${left} of ${original.amount} is left to reverse`);
  }
  const sides: Array<[Wallet, number]> = [[wallet, sign * amount]];
  // A capture without a destination has no other side; a transfer or capture_in always has one.
  if (counterpartWallet) sides.push([counterpartWallet, -sign * amount]);
  for (const [side, delta] of sides) {
    if (side.balance + delta < side.heldBalance) {
      return refuse('insufficient_funds', `available balance ${side.availableBalance} is less than ${-delta}`);
    }
    if (side.balance + delta > command.maxBalance) {
      return refuse('balance_limit_exceeded', `balance would exceed ${command.maxBalance}`);
    }
  }
  return { ok: true, plan: { amount: minor(amount), delta: sign * amount } };
}
