// The error codes a client can see are exactly the documented ones: DESIGN.md §3's list (copied here as the spec) is checked against the ledger's ERRORS registry both ways, with statuses.
import t from 'tap';
import { ERRORS, REMEMBERED_REFUSALS, LedgerError, StoreUnavailable } from '@wallet/ledger';
import { problemFor, problemJson } from '../src/lib/problem.js';

/** DESIGN.md §3 "Codes in use", with the status each is documented with. */
const DOCUMENTED: Record<string, number> = {
  unauthorized: 401,
  validation_failed: 400,
  wallet_not_found: 404,
  wallet_exists: 409,
  insufficient_funds: 409,
  concurrent_modification: 409,
  idempotency_key_in_flight: 409,
  idempotency_key_required: 400,
  idempotency_key_invalid: 400,
  idempotency_key_reused: 422,
  currency_mismatch: 422,
  same_wallet: 422,
  balance_limit_exceeded: 422,
  version_mismatch: 412,
  rate_limited: 429,
  payload_too_large: 413,
  service_unavailable: 503,
};

/** Codes the registry adds beyond §3, each with why (documented in docs/api.md). */
const ADDITIONAL: Record<string, number> = {
  forbidden: 403, // admin routes without the admin role (the issue asks for 403 forbidden)
  not_found: 404, // unknown route
  unsupported_media_type: 415, // a body that is not JSON
  internal_error: 500, // the generic 5xx
  bad_request: 400, // a request the HTTP layer cannot parse (bad percent-encoding, malformed request line)
  request_timeout: 408, // the request was not received within REQUEST_TIMEOUT_MS (slow headers or body)
  uri_too_long: 414, // a path parameter longer than the router allows
  header_too_large: 431, // request headers over Node's limit
};

t.test('every documented code is in the registry with its status', async (t) => {
  for (const [code, status] of Object.entries(DOCUMENTED)) {
    t.ok(code in ERRORS, `${code} is registered`);
    t.equal(ERRORS[code as keyof typeof ERRORS]?.status, status, `${code} → ${status}`);
  }
});

t.test('every registered code is documented (or listed as an addition), so none is added silently', async (t) => {
  for (const [code, { status }] of Object.entries(ERRORS)) {
    const expected = DOCUMENTED[code] ?? ADDITIONAL[code];
    t.ok(expected !== undefined, `${code} is documented`);
    t.equal(status, expected, `${code} status`);
    t.match(code, /^[a-z]+(_[a-z]+)*$/, `${code} is snake_case`);
  }
  t.same(Object.keys(ERRORS).sort(), [...Object.keys(DOCUMENTED), ...Object.keys(ADDITIONAL)].sort());
});

t.test('remembered refusals are business outcomes only', async (t) => {
  t.same([...REMEMBERED_REFUSALS].sort(), [
    'balance_limit_exceeded',
    'currency_mismatch',
    'insufficient_funds',
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
