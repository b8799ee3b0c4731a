// Goal: the core's own amount guard accepts exactly the safe positive integers up to the
// limit, whatever the caller skipped. Method: assertAmount on edge values.
import t from 'tap';
import {
  AMOUNT_MAX_MINOR_DEFAULT,
  BALANCE_MAX_MINOR,
  CURRENCY_PATTERN,
  LedgerError,
  assertAmount,
} from '../src/index.js';

const refusal = (amount: unknown, max = AMOUNT_MAX_MINOR_DEFAULT): string | null => {
  try {
    assertAmount(amount, max);
    return null;
  } catch (error) {
    return error instanceof LedgerError ? `${error.code}/${error.status}` : 'not a LedgerError';
  }
};

t.test('accepts integers in 1..max', async (t) => {
  for (const amount of [1, 2, 999, AMOUNT_MAX_MINOR_DEFAULT]) t.equal(refusal(amount), null, `${amount}`);
  t.equal(refusal(BALANCE_MAX_MINOR, BALANCE_MAX_MINOR), null, 'a limit of MAX_SAFE_INTEGER admits it');
});

t.test('refuses everything else with 400 validation_failed', async (t) => {
  const bad: unknown[] = [
    0,
    -0,
    -1,
    1.5,
    0.1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '100',
    '1',
    null,
    undefined,
    true,
    {},
    [1],
    10n,
    AMOUNT_MAX_MINOR_DEFAULT + 1,
    BALANCE_MAX_MINOR + 1,
    2 ** 53 + 2,
  ];
  for (const amount of bad) t.equal(refusal(amount), 'validation_failed/400', `${typeof amount} ${String(amount)}`);
  t.equal(refusal(11, 10), 'validation_failed/400', 'the limit is configurable');
});

t.test('limits and currency shape', async (t) => {
  t.equal(BALANCE_MAX_MINOR, Number.MAX_SAFE_INTEGER);
  t.equal(AMOUNT_MAX_MINOR_DEFAULT, 100_000_000_000);
  t.ok(AMOUNT_MAX_MINOR_DEFAULT < BALANCE_MAX_MINOR);
  for (const currency of ['USD', 'EUR', 'JPY']) t.ok(CURRENCY_PATTERN.test(currency), currency);
  for (const currency of ['usd', 'US', 'USDD', 'U1D', '', ' USD'])
    t.notOk(CURRENCY_PATTERN.test(currency), `'${currency}'`);
});
