// Display and input of amounts. The API speaks integer minor units only; this module turns
// them into text and back with string arithmetic, so no float ever touches an amount.
import { minorUnitExponent } from '@wallet/client';

/** Longest whole part accepted in a typed amount: more digits cannot be a safe integer. */
const WHOLE_DIGITS_MAX = 16;

export function exponentOf(currency: string): number {
  return minorUnitExponent(currency);
}

/** 123456 EUR → "1,234.56 EUR"; 1500 JPY → "1,500 JPY"; 1234 KWD → "1.234 KWD". */
export function formatMinor(amountMinor: number, currency: string): string {
  const exponent = exponentOf(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${sign}${whole}${fraction} ${currency}`;
}

export type ParsedAmount = { ok: true; amountMinor: number } | { ok: false; reason: string };

/**
 * Reads an amount typed in the currency's major unit ("12.5" EUR → 1250). Refuses signs,
 * exponents, separators and more decimals than the currency has, instead of rounding.
 */
export function parseMajor(text: string, currency: string): ParsedAmount {
  const exponent = exponentOf(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return { ok: false, reason: `enter a positive amount such as ${formatMinor(1050, currency)}` };
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) {
    return { ok: false, reason: `${currency} has ${exponent} decimal place${exponent === 1 ? '' : 's'} at most` };
  }
  if (whole.length > WHOLE_DIGITS_MAX) return { ok: false, reason: 'amount is too large' };
  const amountMinor = Number(`${whole}${fraction.padEnd(exponent, '0')}`);
  if (!Number.isSafeInteger(amountMinor)) return { ok: false, reason: 'amount is too large' };
  if (amountMinor <= 0) return { ok: false, reason: 'amount must be greater than 0' };
  return { ok: true, amountMinor };
}
