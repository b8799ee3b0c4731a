// For display only: how many decimals a currency's minor unit has (ISO 4217). The API speaks
// integer minor units; a client needs the exponent to show 1500 JPY as "1,500" and 1500 EUR as
// "15.00". The ledger never needs it (it moves integers), so this is the one table.

/** ISO 4217 minor-unit exponents that differ from 2. */
export const MINOR_UNIT_EXPONENTS: Readonly<Record<string, number>> = {
  BHD: 3,
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  PYG: 0,
  RWF: 0,
  TND: 3,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
};

/** Currencies have 2 decimals unless the table says otherwise. */
const EXPONENT_DEFAULT = 2;

export function minorUnitExponent(currency: string): number {
  return MINOR_UNIT_EXPONENTS[currency] ?? EXPONENT_DEFAULT;
}
