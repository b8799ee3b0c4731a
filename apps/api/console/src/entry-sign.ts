// The signed effect of one ledger entry on its wallet's balance, in minor units: what the
// ledger check adds up and what the history shows. A reversal carries no direction in its
// type (it undoes a credit or a debit), so its own before/after says which way it went.
import type { Transaction } from '@wallet/client';

const INCOMING: ReadonlySet<string> = new Set(['credit', 'transfer_in', 'capture_in']);

export function signedAmountMinor(entry: Transaction): number {
  if (entry.type === 'reversal') return entry.balanceAfter - entry.balanceBefore;
  return INCOMING.has(entry.type) ? entry.amount : -entry.amount;
}
