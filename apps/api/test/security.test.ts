// Transport hardening: security headers on every response, CORS only for configured origins, the 16 KiB body limit, and credentials never echoed in logs.
import { Writable } from 'node:stream';
import t from 'tap';
import { build, mintToken } from './helper.js';
import { buildApp, loggerOptions } from '../src/app.js';
import { PostgresStore } from '@wallet/store-postgres';
import { dropSchema, newSchemaName, testConfig } from './helper.js';

t.test('security headers and no CORS when CORS_ORIGIN is empty', async (t) => {
  const { app, auth } = await build(t);
  const res = await app.inject({ url: '/health/live', headers: { origin: 'https://evil.example' } });
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.ok(res.headers['content-security-policy']);
  t.ok(res.headers['strict-transport-security']);
  t.notOk(res.headers['access-control-allow-origin']);
  for (const reply of [
    await app.inject({ url: '/api/wallets', headers: auth('alice') }),
    await app.inject({ url: '/api/nowhere' }),
  ]) {
    t.match(
      String(reply.headers['content-security-policy']),
      /default-src 'none'.*frame-ancestors 'none'/,
      `CSP on ${reply.statusCode}`,
    );
    t.equal(reply.headers['x-frame-options'], 'DENY');
    t.equal(reply.headers['x-content-type-options'], 'nosniff');
    t.equal(reply.headers['referrer-policy'], 'no-referrer');
    t.equal(reply.headers['cross-origin-resource-policy'], 'same-origin');
    t.match(String(reply.headers['strict-transport-security']), /^max-age=\d+/);
  }
});

t.test('CORS allows only the configured origins and exposes the API headers', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGIN: 'https://console.example, https://admin.example' } });
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/wallets/credit',
    headers: {
      origin: 'https://console.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,idempotency-key,if-match',
    },
  });
  t.equal(preflight.headers['access-control-allow-origin'], 'https://console.example');
  t.match(String(preflight.headers['access-control-allow-headers']), /idempotency-key/);
  const actual = await app.inject({ url: '/health/live', headers: { origin: 'https://admin.example' } });
  t.match(String(actual.headers['access-control-expose-headers']), /idempotent-replayed/);
  const foreign = await app.inject({ url: '/health/live', headers: { origin: 'https://evil.example' } });
  t.notOk(foreign.headers['access-control-allow-origin']);
});

t.test('logs carry the request id but never the bearer token or the idempotency key', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const schema = newSchemaName();
  const config = testConfig({ DATABASE_SCHEMA: schema, LOG_LEVEL: 'info' });
  const store = new PostgresStore({ connectionString: config.DATABASE_URL, schema, poolMax: 2 });
  const app = await buildApp({ config, store, logger: { ...loggerOptions(config), stream } });
  t.teardown(async () => {
    await app.close();
    await dropSchema(schema);
  });
  const token = mintToken('alice');
  await app.inject({
    url: '/api/wallets',
    headers: { authorization: 'Bearer not.a.token', 'x-request-id': 'log-check-2' },
  });
  await app.inject({
    url: '/api/wallets',
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-check-1', 'idempotency-key': 'secret-key-value' },
  });
  const text = lines.join('');
  t.match(text, /"requestId":"log-check-1"/);
  t.match(text, /log-check-2/);
  t.notMatch(text, new RegExp(token.split('.')[2]!));
  t.notMatch(text, /secret-key-value/);
});
