// The error codes a client can see are exactly the documented ones: the code table of docs/api.md is read and checked against the ledger's ERRORS registry both ways, with statuses.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERRORS, REMEMBERED_REFUSALS, LedgerError, StoreUnavailable } from '@wallet/ledger';
import { problemFor, problemJson } from '../src/lib/problem.js';

/**
 * docs/api.md's table `| code | status | when |`: each row names one or more codes in
 * backticks and their status. A code documented twice is an error of the table itself.
 */
function documentedCodes(): Record<string, number> {
  const lines = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*status\s*\|/.test(line));
  if (header < 0) throw new Error('docs/api.md has no "| code | status |" table');
  const documented: Record<string, number> = {};
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [codes = '', status = ''] = line.split('|').slice(1);
    for (const [, code] of codes.matchAll(/`([a-z_]+)`/g)) {
      if (code! in documented) throw new Error(`${code} is documented twice`);
      documented[code!] = Number(status.trim());
    }
  }
  return documented;
}

const DOCUMENTED = documentedCodes();

t.test('the table is read: it documents codes with statuses', async (t) => {
  t.ok(Object.keys(DOCUMENTED).length >= 20, `${Object.keys(DOCUMENTED).length} codes read from docs/api.md`);
  t.equal(DOCUMENTED.insufficient_funds, 409, 'a known row is read with its status');
  t.equal(DOCUMENTED.idempotency_key_invalid, 400, 'a row naming two codes yields both');
});

t.test('every documented code is in the registry with its status', async (t) => {
  for (const [code, status] of Object.entries(DOCUMENTED)) {
    t.ok(code in ERRORS, `${code} is registered`);
    t.equal(ERRORS[code as keyof typeof ERRORS]?.status, status, `${code} → ${status}`);
  }
});

t.test('every registered code is documented, so none is added silently', async (t) => {
  for (const [code, { status }] of Object.entries(ERRORS)) {
    t.equal(DOCUMENTED[code], status, `${code} is documented with status ${status}`);
    t.match(code, /^[a-z]+(_[a-z]+)*$/, `${code} is snake_case`);
  }
  t.same(Object.keys(ERRORS).sort(), Object.keys(DOCUMENTED).sort());
});

t.test('remembered refusals are business outcomes only', async (t) => {
  t.same([...REMEMBERED_REFUSALS].sort(), [
    'balance_limit_exceeded',
    'capture_exceeds_hold',
    'currency_mismatch',
    'hold_expired',
    'hold_not_active',
    'insufficient_funds',
    'not_reversible',
    'reversal_exceeds_original',
    'wallet_exists',
  ]);
});

t.test('problemFor maps errors to safe problems', async (t) => {
  t.match(problemFor(new LedgerError('insufficient_funds', 'balance 1 is less than 2')), {
    code: 'insufficient_funds',
    detail: 'balance 1 is less than 2',
  });
  t.match(problemFor(new StoreUnavailable('ECONNREFUSED 127.0.0.1:5432')), {
    code: 'service_unavailable',
    retryAfterSeconds: 1,
  });
  t.notMatch(problemFor(new StoreUnavailable('ECONNREFUSED 127.0.0.1:5432')).detail, /ECONNREFUSED/);
  const driver = problemFor(new Error('relation "wallets" does not exist'));
  t.same(driver.code, 'internal_error');
  t.notMatch(driver.detail, /relation/);
  t.equal(
    problemFor(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).code,
    'payload_too_large',
  );
  t.equal(
    problemFor(
      Object.assign(new Error('x'), {
        validation: [{ instancePath: '/amount', message: 'must be integer' }],
        validationContext: 'body',
      }),
    ).detail,
    'body/amount must be integer',
  );
  t.equal(problemFor('a string').code, 'internal_error');
});

t.test('problem bodies have the RFC 9457 members in a fixed order', async (t) => {
  t.equal(
    problemJson('same_wallet', 'source and destination must differ', 'req-1'),
    '{"type":"https://wallet.example/problems/same_wallet","title":"Source and destination are the same wallet","status":422,"detail":"source and destination must differ","code":"same_wallet","requestId":"req-1"}',
  );
});
