// Goal: the client's retry schedule is the documented one: one Idempotency-Key per call reused
// by every retry, only retryable answers retried, full-jitter exponential waits, Retry-After
// honoured and capped, maxRetries and the overall deadline respected, abort obeyed.
// Method: a scripted fetch, an injected random source and a fake clock whose sleep only
// advances time (no real waits); the HTTP path itself is covered against the real API in
// client-api.test.ts.
import t from 'tap';
import { WalletApiError, WalletClient, backoffMs, parseRetryAfterMs, type WalletClientOptions } from '@wallet/client';

type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | 'network' | 'hang';

interface Harness {
  client: WalletClient;
  sent: Array<{ url: string; method: string; headers: Record<string, string> }>;
  waitsMs: number[];
  clock: { nowMs: number };
}

const WALLET_ID = '6f1c1b5e-8d5e-4c0a-9a39-2a1f0e1b2c3d';
const ok = { status: 200, body: { data: { transactionId: 'tx-1' } } };
const problem = (status: number, code: string, headers: Record<string, string> = {}): Scripted => ({
  status,
  body: { type: 'x', title: code, status, detail: code, code, requestId: 'req-1' },
  headers: { 'content-type': 'application/problem+json', ...headers },
});

function harness(script: Scripted[], options: Partial<WalletClientOptions> = {}): Harness {
  const sent: Harness['sent'] = [];
  const waitsMs: number[] = [];
  const clock = { nowMs: 1_000_000 };
  const fetchStub = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(input), method: init?.method ?? 'GET', headers: { ...(init?.headers as object) } });
    const next = script.shift();
    if (next === undefined) throw new Error('script exhausted');
    if (next === 'network') throw new TypeError('fetch failed');
    if (next === 'hang') {
      // An attempt that never answers: its timeout fires when the fake clock moves past it.
      return new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }
    const body = next.body === undefined ? null : JSON.stringify(next.body);
    return new Response(body, { status: next.status, headers: next.headers ?? { 'content-type': 'application/json' } });
  };
  const client = new WalletClient({
    baseUrl: 'http://wallet.test/',
    token: 'token-1',
    fetch: fetchStub as typeof fetch,
    random: () => 0.5,
    nowMs: () => clock.nowMs,
    sleep: async (durationMs) => {
      waitsMs.push(durationMs);
      clock.nowMs += durationMs;
    },
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    retryAfterMaxMs: 3_000,
    ...options,
  });
  return { client, sent, waitsMs, clock };
}

t.test('full-jitter backoff: uniform below min(cap, base * 2^retry)', async (t) => {
  const policy = { baseMs: 100, capMs: 1_000, retryAfterMaxMs: 5_000 };
  t.same(
    [0, 1, 2, 3, 4, 10].map((retry) => backoffMs(retry, policy, () => 0.999999)),
    [99, 199, 399, 799, 999, 999],
  );
  t.equal(
    backoffMs(3, policy, () => 0),
    0,
    'full jitter reaches zero',
  );
  t.equal(
    backoffMs(2, policy, () => 0.5),
    200,
  );
});

t.test('Retry-After: delta seconds, HTTP date, garbage', async (t) => {
  const nowMs = Date.parse('2026-01-01T00:00:00Z');
  t.equal(parseRetryAfterMs('2', nowMs), 2_000);
  t.equal(parseRetryAfterMs(' 0 ', nowMs), 0);
  t.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', nowMs), 5_000);
  t.equal(parseRetryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', nowMs), 0, 'a date in the past means now');
  t.equal(parseRetryAfterMs('soon', nowMs), undefined);
  t.equal(parseRetryAfterMs('-1', nowMs), undefined);
  t.equal(parseRetryAfterMs(null, nowMs), undefined);
});

t.test('one key for every attempt of a write; retried statuses; the final answer wins', async (t) => {
  const { client, sent, waitsMs } = harness([
    'network',
    problem(502, 'bad_gateway'),
    problem(503, 'service_unavailable'),
    problem(504, 'gateway_timeout'),
    ok,
  ]);
  const result = await client.wallets.credit({ walletId: WALLET_ID, amount: 100 });
  t.equal(result.transactionId, 'tx-1');
  t.equal(sent.length, 5);
  const keys = new Set(sent.map((request) => request.headers['idempotency-key']));
  t.equal(keys.size, 1, 'the same key on every attempt');
  t.match([...keys][0], /^[0-9a-f-]{36}$/, 'a UUID made by the client');
  t.equal(sent[0]!.url, 'http://wallet.test/api/wallets/credit');
  t.equal(sent[0]!.headers.authorization, 'Bearer token-1');
  t.same(waitsMs, [50, 100, 200, 400], 'full jitter at random=0.5: half of 100, 200, 400, 800');
});

t.test('two calls get two keys; the caller\u2019s key and If-Match are sent as given', async (t) => {
  const { client, sent } = harness([ok, ok, ok]);
  await client.wallets.debit({ walletId: WALLET_ID, amount: 1 });
  await client.wallets.debit({ walletId: WALLET_ID, amount: 1 });
  await client.wallets.debit({ walletId: WALLET_ID, amount: 1 }, { idempotencyKey: 'order-42', ifMatch: 3 });
  t.not(sent[0]!.headers['idempotency-key'], sent[1]!.headers['idempotency-key']);
  t.equal(sent[2]!.headers['idempotency-key'], 'order-42');
  t.equal(sent[2]!.headers['if-match'], '"3"');
  t.equal(sent[0]!.headers['if-match'], undefined);
});

t.test('409 idempotency_key_in_flight and 429 wait what Retry-After says (capped)', async (t) => {
  const { client, waitsMs } = harness([
    problem(409, 'idempotency_key_in_flight', { 'retry-after': '1' }),
    problem(429, 'rate_limited', { 'retry-after': '60' }),
    ok,
  ]);
  await client.wallets.credit({ walletId: WALLET_ID, amount: 100 });
  t.same(waitsMs, [1_000, 3_000], 'Retry-After 1 s, then 60 s capped at retryAfterMaxMs');
});

t.test('no other 4xx is retried, and the error carries the problem', async (t) => {
  for (const [status, code] of [
    [400, 'validation_failed'],
    [404, 'wallet_not_found'],
    [409, 'insufficient_funds'],
    [409, 'concurrent_modification'],
    [412, 'version_mismatch'],
    [422, 'idempotency_key_reused'],
  ] as const) {
    const { client, sent } = harness([problem(status, code), ok]);
    const error = await client.wallets.debit({ walletId: WALLET_ID, amount: 1 }).catch((caught: unknown) => caught);
    t.ok(error instanceof WalletApiError, code);
    const apiError = error as WalletApiError;
    t.match(apiError, { status, code, detail: code, requestId: 'req-1', retryable: false, attempts: 1 }, code);
    t.equal(sent.length, 1, `${code}: sent once`);
  }
});

t.test('maxRetries bounds the attempts; the last error is retryable', async (t) => {
  const { client, sent } = harness(
    Array.from({ length: 10 }, () => problem(503, 'service_unavailable')),
    {
      maxRetries: 2,
    },
  );
  const error = (await client.wallets.get(WALLET_ID).catch((caught: unknown) => caught)) as WalletApiError;
  t.equal(sent.length, 3, 'first attempt + 2 retries');
  t.match(error, { status: 503, code: 'service_unavailable', retryable: true, attempts: 3 });
});

t.test('the overall deadline stops retries before a wait would pass it', async (t) => {
  const { client, sent, clock } = harness(
    Array.from({ length: 10 }, () => problem(503, 'service_unavailable', { 'retry-after': '2' })),
    { timeoutMs: 5_000, maxRetries: 10 },
  );
  const startMs = clock.nowMs;
  const error = (await client.wallets.get(WALLET_ID).catch((caught: unknown) => caught)) as WalletApiError;
  t.equal(sent.length, 3, 'waits of 2 s at 0 and 2 s; a third would end at 6 s > 5 s');
  t.ok(clock.nowMs - startMs < 5_000);
  t.equal(error.retryable, true);
});

t.test('an attempt that never answers times out (per-attempt timeout) and is retried', async (t) => {
  // The fake clock does not drive setTimeout, so the attempt timeout is a real (short) one here.
  const { client, sent } = harness(['hang', ok], { attemptTimeoutMs: 20 });
  const result = await client.wallets.credit({ walletId: WALLET_ID, amount: 1 });
  t.equal(result.transactionId, 'tx-1');
  t.equal(sent.length, 2);
  t.equal(sent[0]!.headers['idempotency-key'], sent[1]!.headers['idempotency-key']);
  const { client: dead } = harness(['hang'], { attemptTimeoutMs: 20, maxRetries: 0 });
  const error = (await dead.wallets.get(WALLET_ID).catch((caught: unknown) => caught)) as WalletApiError;
  t.match(error, { status: 0, code: 'timeout', retryable: true });
});

t.test('AbortSignal: an aborted call rejects with the reason and sends nothing more', async (t) => {
  const controller = new AbortController();
  const { client, sent } = harness([problem(503, 'service_unavailable'), ok], {
    sleep: async () => {
      controller.abort(new Error('user left'));
      throw controller.signal.reason;
    },
  });
  const error = await client.wallets.get(WALLET_ID, { signal: controller.signal }).catch((caught: unknown) => caught);
  t.match(error, { message: 'user left' });
  t.equal(sent.length, 1);
  const { client: idle, sent: none } = harness([ok]);
  const before = new AbortController();
  before.abort(new Error('never mind'));
  await t.rejects(idle.wallets.get(WALLET_ID, { signal: before.signal }), { message: 'never mind' });
  t.equal(none.length, 0);
});

t.test('webhook creation has no key: a lost reply is not resent, a 429 is', async (t) => {
  const { client, sent } = harness(['network', ok]);
  const error = (await client.webhooks
    .create({ url: 'https://example.com/hook' })
    .catch((caught: unknown) => caught)) as WalletApiError;
  t.match(error, { code: 'network_error', retryable: false });
  t.equal(sent.length, 1);
  t.equal(sent[0]!.headers['idempotency-key'], undefined);
  const { client: limited, sent: twice } = harness([problem(429, 'rate_limited'), { status: 201, body: { data: {} } }]);
  await limited.webhooks.create({ url: 'https://example.com/hook' });
  t.equal(twice.length, 2);
});

t.test('a delete whose first reply was lost and whose retry finds nothing has succeeded', async (t) => {
  const { client, sent } = harness(['network', problem(404, 'not_found')]);
  await client.webhooks.delete(WALLET_ID);
  t.equal(sent.length, 2);
  const { client: plain } = harness([problem(404, 'not_found')]);
  await t.rejects(plain.webhooks.delete(WALLET_ID), { code: 'not_found', status: 404 }, 'a plain 404 is an error');
});

t.test('lists: query string, cursor, and iterate walks every page', async (t) => {
  const { client, sent } = harness([
    { status: 200, body: { data: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' } },
    { status: 200, body: { data: [{ id: 'c' }], nextCursor: null } },
  ]);
  const ids: string[] = [];
  for await (const entry of client.transactions.iterate({ walletId: WALLET_ID, limit: 2 })) ids.push(entry.id);
  t.same(ids, ['a', 'b', 'c']);
  t.equal(sent[0]!.url, `http://wallet.test/api/transactions?walletId=${WALLET_ID}&limit=2`);
  t.equal(sent[1]!.url, `http://wallet.test/api/transactions?walletId=${WALLET_ID}&limit=2&cursor=c1`);
  t.notOk(sent[0]!.headers['idempotency-key'], 'reads carry no key');
});

t.test('a non-problem error body still gives a WalletApiError', async (t) => {
  const { client } = harness([{ status: 500, body: undefined, headers: { 'x-request-id': 'req-9' } }]);
  const error = (await client.wallets.get(WALLET_ID).catch((caught: unknown) => caught)) as WalletApiError;
  t.match(error, { status: 500, code: 'unexpected_response', requestId: 'req-9', retryable: false });
});
