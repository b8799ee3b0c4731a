// Bad input is refused with its documented 4xx code and moves no money: each case is sent to a funded wallet, then the balance and history are checked unchanged.
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { createSigner } from 'fast-jwt';
import pg from 'pg';
import { build, post, TEST_DATABASE_URL, mintToken, problemOf } from './helper.js';

interface BadCase {
  name: string;
  url?: string;
  payload?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

t.test('malformed amounts, fields, ids, metadata, bodies and keys: 4xx with a code, balance unchanged', async (t) => {
  const { app, auth, wallet, schema } = await build(t, { env: { MAX_AMOUNT: '1000000' } });
  const id = await wallet('alice', 'USD', 1000);
  const body = (extra: Record<string, unknown>) => ({ walletId: id, amount: 10, ...extra });
  const keyCase = (name: string, key: string, code: string): BadCase => ({
    name,
    payload: body({}),
    headers: { 'idempotency-key': key },
    status: 400,
    code,
  });
  const cases: BadCase[] = [
    { name: 'negative amount', payload: body({ amount: -10 }), status: 400, code: 'validation_failed' },
    { name: 'zero amount', payload: body({ amount: 0 }), status: 400, code: 'validation_failed' },
    { name: 'fractional amount', payload: body({ amount: 10.5 }), status: 400, code: 'validation_failed' },
    { name: 'string amount', payload: body({ amount: '100' }), status: 400, code: 'validation_failed' },
    { name: 'boolean amount', payload: body({ amount: true }), status: 400, code: 'validation_failed' },
    { name: 'null amount', payload: body({ amount: null }), status: 400, code: 'validation_failed' },
    { name: 'amount above MAX_AMOUNT', payload: body({ amount: 1_000_001 }), status: 400, code: 'validation_failed' },
    {
      name: 'amount beyond safe integers',
      rawBody: `{"walletId":"${id}","amount":90071992547409930}`,
      status: 400,
      code: 'validation_failed',
    },
    { name: 'amount 1e400', rawBody: `{"walletId":"${id}","amount":1e400}`, status: 400, code: 'validation_failed' },
    { name: 'missing amount', payload: { walletId: id }, status: 400, code: 'validation_failed' },
    { name: 'unknown field', payload: body({ admin: true }), status: 400, code: 'validation_failed' },
    { name: '$-key in metadata', payload: body({ metadata: { $where: 'x' } }), status: 400, code: 'validation_failed' },
    { name: 'nested metadata', payload: body({ metadata: { a: { b: 'c' } } }), status: 400, code: 'validation_failed' },
    {
      name: 'metadata value too long',
      payload: body({ metadata: { a: 'x'.repeat(501) } }),
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'too many metadata keys',
      payload: body({ metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }),
      status: 400,
      code: 'validation_failed',
    },
    {
      name: '$-operator as wallet id',
      payload: body({ walletId: { $ne: null } }),
      status: 400,
      code: 'validation_failed',
    },
    { name: '$-string as wallet id', payload: body({ walletId: '$where' }), status: 400, code: 'validation_failed' },
    { name: 'non-UUID wallet id', payload: body({ walletId: '123' }), status: 400, code: 'validation_failed' },
    { name: 'array body', payload: [body({})], status: 400, code: 'validation_failed' },
    { name: 'malformed JSON', rawBody: '{"walletId": "x", "amount": ', status: 400, code: 'validation_failed' },
    { name: 'empty JSON body', rawBody: '', status: 400, code: 'validation_failed' },
    {
      name: 'oversized body',
      payload: body({ metadata: { a: 'x'.repeat(500) }, pad: 'y'.repeat(17 * 1024) }),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'text/plain body',
      rawBody: 'amount=10',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'unsupported_media_type',
    },
    keyCase('missing Idempotency-Key', '', 'idempotency_key_required'),
    keyCase('Idempotency-Key with a space', 'has space', 'idempotency_key_invalid'),
    keyCase('Idempotency-Key too long', 'k'.repeat(256), 'idempotency_key_invalid'),
    keyCase('Idempotency-Key non-ASCII', 'clé', 'idempotency_key_invalid'),
    { name: 'bad wallet id in path', url: '/api/wallets/not-a-uuid', status: 400, code: 'validation_failed' },
  ];
  for (const badCase of cases) {
    const { 'idempotency-key': keyOverride, ...otherHeaders } = badCase.headers ?? {};
    const headers: Record<string, string> = auth('alice', otherHeaders);
    if (keyOverride !== '') headers['idempotency-key'] = keyOverride ?? randomUUID();
    if (badCase.rawBody !== undefined && !otherHeaders['content-type']) headers['content-type'] = 'application/json';
    const res = await app.inject({
      method: badCase.url ? 'GET' : 'POST',
      url: badCase.url ?? '/api/wallets/debit',
      headers,
      ...(badCase.url
        ? {}
        : badCase.rawBody !== undefined
          ? { body: badCase.rawBody }
          : { payload: badCase.payload as object }),
    });
    t.equal(res.statusCode, badCase.status, `${badCase.name}: status`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${badCase.name}: problem+json`);
    const problem = problemOf(res);
    t.equal(problem.code, badCase.code, `${badCase.name}: ${problem.detail}`);
    t.notMatch(res.body, /at .*\.js|node_modules|Error:/, `${badCase.name}: no stack or driver text`);
  }
  // The database is the judge of "changes nothing": only the funding credit left a row anywhere.
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  t.teardown(() => db.end());
  const rowsIn = async (table: string) =>
    Number((await db.query(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0].n);
  t.same(
    {
      entries: await rowsIn('ledger_entries'),
      keys: await rowsIn('idempotency_keys'),
      events: await rowsIn('outbox'),
    },
    { entries: 1, keys: 1, events: 1 },
    `none of the ${cases.length} refused requests wrote an entry, a remembered key or an event`,
  );
  const after = await app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: auth('alice') });
  t.match(after.json().data, { balance: 1000, version: 1 }, 'no bad request moved money');
  const history = await app.inject({ method: 'GET', url: `/api/transactions?walletId=${id}`, headers: auth('alice') });
  t.equal(history.json().data.length, 1);
  const credit = await post(app, '/api/wallets/credit', auth('alice', { 'idempotency-key': randomUUID() }), {
    walletId: id,
    amount: '100',
  });
  t.equal(credit.statusCode, 400, 'no coercion on credit either');
  const wallet2 = await post(app, '/api/wallets', auth('alice'), { currency: 'usd' });
  t.equal(problemOf(wallet2).code, 'validation_failed');
  const transfer = await post(app, '/api/transfers', auth('alice', { 'idempotency-key': randomUUID() }), {
    fromWalletId: id,
    toWalletId: id,
    amount: -1,
  });
  t.equal(problemOf(transfer).code, 'validation_failed');
});

t.test(
  'bad tokens: missing, garbage, expired, alg none, wrong secret, other algorithm, no sub: 401 with WWW-Authenticate',
  async (t) => {
    const { app, wallet, auth } = await build(t);
    const id = await wallet('alice', 'USD', 1000);
    const nowS = Math.floor(Date.now() / 1000);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: nowS + 3600 })).toString('base64url')}.`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = createSigner({
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      algorithm: 'RS256',
    })({ sub: 'alice', exp: nowS + 3600 });
    const noExp = createSigner({
      key: 'test-secret-that-is-at-least-32-bytes-long!!',
      algorithm: 'HS256',
      noTimestamp: true,
    })({ sub: 'alice' });
    const tokens: Record<string, string | undefined> = {
      missing: undefined,
      garbage: 'Bearer bad',
      'basic scheme': 'Basic YWxpY2U6cGFzcw==',
      expired: `Bearer ${mintToken('alice', { ttlSeconds: -60 })}`,
      'alg none': `Bearer ${none}`,
      'wrong secret': `Bearer ${mintToken('alice', { secret: 'another-secret-that-is-at-least-32-bytes' })}`,
      'HS384 instead of HS256': `Bearer ${mintToken('alice', { algorithm: 'HS384' })}`,
      'RS256 instead of HS256': `Bearer ${rs256}`,
      'no exp': `Bearer ${noExp}`,
      'tampered payload': `Bearer ${tamper(mintToken('mallory'))}`,
      'numeric sub': `Bearer ${mintToken('x', { claims: { sub: 42 } })}`,
    };
    for (const [name, authorization] of Object.entries(tokens)) {
      const res = await post(
        app,
        '/api/wallets/debit',
        { ...(authorization ? { authorization } : {}), 'idempotency-key': randomUUID() },
        { walletId: id, amount: 10 },
      );
      t.equal(res.statusCode, 401, `${name}: 401`);
      t.equal(problemOf(res).code, 'unauthorized', name);
      t.match(res.headers['www-authenticate'], /^Bearer/, `${name}: WWW-Authenticate`);
    }
    const after = await app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: auth('alice') });
    t.equal(after.json().data.balance, 1000, 'no token moved money');
  },
);

t.test('issuer and audience are checked when configured', async (t) => {
  const { app } = await build(t, { env: { JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'wallet-api' } });
  const good = mintToken('alice', { claims: { iss: 'https://issuer.example', aud: 'wallet-api' } });
  const wrongIss = mintToken('alice', { claims: { iss: 'https://evil.example', aud: 'wallet-api' } });
  const wrongAud = mintToken('alice', { claims: { iss: 'https://issuer.example', aud: 'other' } });
  const plain = mintToken('alice');
  t.equal((await app.inject({ url: '/api/wallets', headers: { authorization: `Bearer ${good}` } })).statusCode, 200);
  for (const token of [wrongIss, wrongAud, plain]) {
    t.equal((await app.inject({ url: '/api/wallets', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
  }
});

function tamper(token: string): string {
  const [header, , signature] = token.split('.');
  const payload = Buffer.from(JSON.stringify({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 })).toString(
    'base64url',
  );
  return `${header}.${payload}.${signature}`;
}
