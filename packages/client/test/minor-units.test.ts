// Goal: the client's display table of minor units (the only one: the ledger moves integers and
// never needs it) lists only the ISO 4217 exceptions, and every other currency shows 2 decimals.
// Method: read the table and minorUnitExponent on known currencies.
import t from 'tap';
import { MINOR_UNIT_EXPONENTS, minorUnitExponent } from '@wallet/client';

t.test('only exponents other than 2 are listed', async (t) => {
  t.ok(
    Object.values(MINOR_UNIT_EXPONENTS).every((exponent) => exponent === 0 || exponent === 3),
    'only exponents other than 2 are listed',
  );
  t.equal(MINOR_UNIT_EXPONENTS.JPY, 0);
  t.equal(MINOR_UNIT_EXPONENTS.KWD, 3);
});

t.test('every other currency has 2 decimals', async (t) => {
  t.equal(minorUnitExponent('JPY'), 0);
  t.equal(minorUnitExponent('KWD'), 3);
  t.equal(minorUnitExponent('EUR'), 2);
  t.equal(minorUnitExponent('USD'), 2);
});
