import type { ErrorCode } from './errors.js';
import { minor, type Minor } from './money.js';
import type { Verdict } from './rules.js';
import { publicEntry, publicHold } from './shapes.js';
import type {
  CaptureHoldCommand,
  CreateHoldCommand,
  Hold,
  Metadata,
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
  if (amount > hold!.amount)
    return refuse('capture_exceeds_hold', `capture ${amount} exceeds the hold's ${hold!.amount}`);
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
 * side's entry (counterpartType) when there is one: who may reverse, how much is left, and
 * whether both wallets can take it.
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

/** A wallet before and after one change. */
export interface WalletChange {
  before: Wallet;
  after: Wallet;
}

const changed = (wallet: Wallet, balance: number, heldBalance: number, entry: boolean, now: string): Wallet => ({
  ...wallet,
  balance: minor(balance),
  heldBalance: minor(heldBalance),
  availableBalance: minor(balance - heldBalance),
  version: wallet.version + (entry ? 1 : 0),
  updatedAt: now,
});

/** A settled hold keeps its own metadata unless the settling request sent some. */
export const settledMetadata = (hold: StoredHold, metadata: Metadata): Metadata =>
  Object.keys(metadata).length > 0 ? metadata : hold.metadata;

/**
 * What a capture the rules allowed produces (pure): the settled hold, the capture entry (and the
 * capture_in entry when captured into another wallet), and both wallets before and after.
 */
export function captureOf(
  hold: StoredHold,
  source: Wallet,
  destination: Wallet | null,
  command: CaptureHoldCommand,
): { hold: Hold; debit: Transaction; credit?: Transaction; source: WalletChange; destination?: WalletChange } {
  const amount = minor(command.amount ?? hold.amount);
  const metadata = settledMetadata(hold, command.metadata);
  const settled: Hold = {
    ...publicHold(hold),
    status: 'captured',
    capturedAmount: amount,
    metadata,
    updatedAt: command.now,
  };
  const sourceAfter = changed(source, source.balance - amount, source.heldBalance - hold.amount, true, command.now);
  const entry = (id: string, before: Wallet, after: Wallet, type: 'capture' | 'capture_in'): Transaction => ({
    id,
    walletId: before.id,
    type,
    amount,
    balanceBefore: before.balance,
    balanceAfter: after.balance,
    status: 'completed',
    holdId: hold.id,
    reversedAmount: minor(0),
    metadata,
    createdAt: command.now,
  });
  const debit = entry(command.transactionId, source, sourceAfter, 'capture');
  if (!destination) return { hold: settled, debit, source: { before: source, after: sourceAfter } };
  const destinationAfter = changed(
    destination,
    destination.balance + amount,
    destination.heldBalance,
    true,
    command.now,
  );
  return {
    hold: settled,
    debit,
    credit: entry(command.creditId, destination, destinationAfter, 'capture_in'),
    source: { before: source, after: sourceAfter },
    destination: { before: destination, after: destinationAfter },
  };
}

/** A void or an expiry (pure): the hold leaves `active`, its whole amount goes back to available. */
export function releaseOf(
  hold: StoredHold,
  wallet: Wallet,
  status: 'voided' | 'expired',
  context: { now: string; metadata?: Metadata },
): { hold: Hold; wallet: WalletChange } {
  const metadata = settledMetadata(hold, context.metadata ?? {});
  return {
    hold: { ...publicHold(hold), status, metadata, updatedAt: context.now },
    wallet: {
      before: wallet,
      after: changed(wallet, wallet.balance, wallet.heldBalance - hold.amount, false, context.now),
    },
  };
}

/**
 * The `reversal` entry `id` that gives `amount` of entry `of` back, on the wallet it moves from
 * `before` to `after`.
 */
export function reversalEntry(
  side: { id: string; of: StoredTransaction },
  before: Wallet,
  after: Wallet,
  amount: Minor,
  command: ReverseCommand,
): Transaction {
  return {
    id: side.id,
    walletId: after.id,
    type: 'reversal',
    amount,
    balanceBefore: before.balance,
    balanceAfter: after.balance,
    status: 'completed',
    reversalOf: side.of.id,
    reversedAmount: minor(0),
    metadata: command.metadata,
    createdAt: command.now,
  };
}

/**
 * What a reversal the rules allowed produces (pure): the reversal entry on the original's
 * wallet and, when the original has another side, the counterpart reversal there; both
 * originals with their new reversedAmount; the wallets before and after.
 */
export function reversalOf(
  original: StoredTransaction,
  wallet: Wallet,
  counterpart: { entry: StoredTransaction; wallet: Wallet } | null,
  plan: ReversalPlan,
  command: ReverseCommand,
): { reversal: Transaction; entries: Transaction[]; originals: Transaction[]; wallets: WalletChange[] } {
  const sides = [{ of: original, wallet, delta: plan.delta, id: command.reversalId }];
  if (counterpart)
    sides.push({ of: counterpart.entry, wallet: counterpart.wallet, delta: -plan.delta, id: command.counterpartId });
  const wallets: WalletChange[] = [];
  const entries: Transaction[] = [];
  for (const side of sides) {
    const after = changed(side.wallet, side.wallet.balance + side.delta, side.wallet.heldBalance, true, command.now);
    wallets.push({ before: side.wallet, after });
    entries.push(reversalEntry(side, side.wallet, after, plan.amount, command));
  }
  const originals = sides.map(({ of }) => ({
    ...publicEntry(of),
    reversedAmount: minor(of.reversedAmount + plan.amount),
  }));
  return { reversal: entries[0]!, entries, originals, wallets };
}
