// Checks the /console plugin on its own: the built files are served with the right types,
// ETag revalidation and a strict CSP, unknown files are 404, and the dev token route exists
// only under NODE_ENV=development and mints a JWT that verifies with JWT_SECRET.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier } from 'fast-jwt';
import Fastify from 'fastify';
import { t } from 'tap';
import { LedgerError } from '@wallet/ledger';
import consolePlugin, { type ConsoleOptions } from '../../src/plugins/app/console.js';

const SECRET = 'console-plugin-test-secret-of-at-least-32-bytes';
const consoleDir = mkdtempSync(join(tmpdir(), 'console-plugin-'));
writeFileSync(
  join(consoleDir, 'index.html'),
  '<!doctype html><title>c</title><script type="module" src="console.js"></script>',
);
writeFileSync(join(consoleDir, 'console.js'), 'console.log(1)');
writeFileSync(join(consoleDir, 'console.css'), 'body{}');
t.teardown(() => rmSync(consoleDir, { recursive: true, force: true }));

async function build(config: Partial<ConsoleOptions['config']>, dir = consoleDir) {
  // Strict body validation, as the API configures it: unknown fields are refused, not dropped.
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } });
  // The API's real error handler lives in app.ts; this keeps the plugin's LedgerError mapping visible.
  app.setErrorHandler((error, _request, reply) => {
    const status = error instanceof LedgerError ? error.status : ((error as { statusCode?: number }).statusCode ?? 500);
    return reply.code(status).send({ status, code: error instanceof LedgerError ? error.code : 'other' });
  });
  await app.register(consolePlugin, { config: { NODE_ENV: 'production', ...config }, consoleDir: dir });
  await app.ready();
  t.teardown(() => app.close());
  return app;
}

t.test('serves the console files with types, ETag, no-cache and a strict CSP', async (t) => {
  const app = await build({});
  const bare = await app.inject({ method: 'GET', url: '/console' });
  t.equal(bare.statusCode, 301);
  t.equal(bare.headers.location, '/console/');

  const index = await app.inject({ method: 'GET', url: '/console/' });
  t.equal(index.statusCode, 200);
  t.match(index.headers['content-type'], /^text\/html; charset=utf-8/);
  t.match(index.body, /console\.js/);
  t.equal(index.headers['cache-control'], 'no-cache');
  t.match(index.headers['content-security-policy'], /default-src 'none'.*script-src 'self'.*connect-src 'self'/);
  t.notMatch(index.headers['content-security-policy'], /unsafe-inline|unsafe-eval/);

  const script = await app.inject({ method: 'GET', url: '/console/console.js' });
  t.match(script.headers['content-type'], /^text\/javascript/);
  t.equal(script.body, 'console.log(1)');
  const css = await app.inject({ method: 'GET', url: '/console/console.css' });
  t.match(css.headers['content-type'], /^text\/css/);

  const etag = String(script.headers.etag);
  t.match(etag, /^"[A-Za-z0-9_-]+"$/);
  const revalidated = await app.inject({
    method: 'GET',
    url: '/console/console.js',
    headers: { 'if-none-match': etag },
  });
  t.equal(revalidated.statusCode, 304);
  t.equal(revalidated.body, '');
});

t.test('anything else under /console is a 404 and never touches the file system', async (t) => {
  const app = await build({});
  for (const url of ['/console/main.ts', '/console/..%2Fpackage.json', '/console/console.js.map', '/console/x?y=1']) {
    const response = await app.inject({ method: 'GET', url });
    t.equal(response.statusCode, 404, url);
  }
});

t.test('the source map is served only under NODE_ENV=development', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'console-map-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'console.js'), 'console.log(1)\n//# sourceMappingURL=console.js.map');
  writeFileSync(join(dir, 'console.js.map'), '{"version":3,"sources":["main.ts"],"mappings":""}');
  const production = await build({}, dir);
  t.equal((await production.inject({ method: 'GET', url: '/console/console.js.map' })).statusCode, 404, 'production');
  const development = await build({ NODE_ENV: 'development' }, dir);
  const map = await development.inject({ method: 'GET', url: '/console/console.js.map' });
  t.equal(map.statusCode, 200, 'development');
  t.match(map.headers['content-type'], /application\/json/);
});

t.test('an unbuilt console answers 404 instead of failing start-up', async (t) => {
  const app = await build({}, join(consoleDir, 'missing'));
  const response = await app.inject({ method: 'GET', url: '/console/' });
  t.equal(response.statusCode, 404);
});

t.test('the dev token route is absent outside development', async (t) => {
  for (const NODE_ENV of ['production', 'test'] as const) {
    const app = await build({ NODE_ENV, JWT_SECRET: SECRET });
    const response = await app.inject({ method: 'POST', url: '/console/dev-token', payload: { sub: 'alice' } });
    t.equal(response.statusCode, 404, NODE_ENV);
  }
});

t.test('in development the dev token route mints a verifiable, expiring JWT for the sub', async (t) => {
  const app = await build({
    NODE_ENV: 'development',
    JWT_SECRET: SECRET,
    JWT_ISSUER: 'wallet',
    JWT_AUDIENCE: 'wallet-api',
  });
  const response = await app.inject({
    method: 'POST',
    url: '/console/dev-token',
    payload: { sub: 'alice', ttlSeconds: 120 },
  });
  t.equal(response.statusCode, 200);
  const { data } = response.json() as { data: { token: string; expiresAt: string } };
  const verify = createVerifier({ key: SECRET, algorithms: ['HS256'], allowedIss: 'wallet', allowedAud: 'wallet-api' });
  const claims = verify(data.token) as { sub: string; exp: number; iat: number; roles?: string[] };
  t.equal(claims.sub, 'alice');
  t.equal(claims.exp - claims.iat, 120);
  t.equal(claims.roles, undefined);
  t.ok(Math.abs(Date.parse(data.expiresAt) - claims.exp * 1000) < 2000);
  t.throws(() => createVerifier({ key: 'another-secret-that-is-long-enough-32b', algorithms: ['HS256'] })(data.token));

  const admin = await app.inject({ method: 'POST', url: '/console/dev-token', payload: { sub: 'root', admin: true } });
  t.same((verify(admin.json().data.token) as { roles: string[] }).roles, ['admin']);

  for (const payload of [
    {},
    { sub: '' },
    { sub: 'a b' },
    { sub: 'alice', ttlSeconds: 10 ** 6 },
    { sub: 'alice', extra: 1 },
  ]) {
    const refused = await app.inject({ method: 'POST', url: '/console/dev-token', payload });
    t.equal(refused.statusCode, 400, JSON.stringify(payload));
  }
});

t.test('development without JWT_SECRET serves the console but no token route', async (t) => {
  const app = await build({ NODE_ENV: 'development' });
  t.equal((await app.inject({ method: 'GET', url: '/console/' })).statusCode, 200);
  t.equal((await app.inject({ method: 'POST', url: '/console/dev-token', payload: { sub: 'alice' } })).statusCode, 404);
});
