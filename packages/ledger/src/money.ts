import { InvariantViolation, LedgerError } from './errors.js';

/**
 * An integer amount of minor units (cents, yen, fils): the one unit money has in this code.
 * Only `minor` and `assertAmount` make one, so a plain number cannot pass for money.
 */
export type Minor = number & { readonly __unit: 'minor' };

/** The checked constructor: a safe integer becomes Minor, anything else is a programmer error. */
export function minor(value: number): Minor {
  if (!Number.isSafeInteger(value)) throw new InvariantViolation(`${value} is not an integer number of minor units`);
  return value as Minor;
}

/** No balance may pass this: beyond it, JavaScript numbers stop being exact integers. */
export const BALANCE_MAX_MINOR = Number.MAX_SAFE_INTEGER as Minor;

/** Default largest single amount, in minor units (DESIGN.md §2 `MAX_AMOUNT`). */
export const AMOUNT_MAX_MINOR_DEFAULT = 100_000_000_000;

/**
 * Checks an amount in minor units: a safe integer with 0 < amount <= maxAmountMinor.
 * Schemas refuse most bad amounts first; this is the core's own guard, so a caller that
 * skips HTTP validation still cannot move a fractional or negative amount.
 */
export function assertAmount(amountMinor: unknown, maxAmountMinor: number): asserts amountMinor is Minor {
  if (typeof amountMinor !== 'number' || !Number.isSafeInteger(amountMinor)) {
    throw new LedgerError('validation_failed', 'amount must be an integer number of minor units');
  }
  if (amountMinor <= 0) throw new LedgerError('validation_failed', 'amount must be greater than 0');
  if (amountMinor > maxAmountMinor) {
    throw new LedgerError('validation_failed', `amount must be at most ${maxAmountMinor}`);
  }
}

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
