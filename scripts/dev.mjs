// `npm run start:dev`: runs the API and the worker for local use with safe development
// defaults: PostgreSQL on 127.0.0.1 (database "wallet", created when missing), local Redis,
// NODE_ENV=development (the console's "mint a token" button), and a JWT secret kept in
// .dev/jwt-secret (git-ignored; made on the first start, reused after, read by `npm run
// token`) unless JWT_SECRET is set. It checks PostgreSQL and Redis first, then builds, starts
// both apps and prints the URLs once they answer. Production never uses this script.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { checkServices } from './dev-checks.mjs';
import { DEV_SECRET_PATH, devSecret } from './dev-secret.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Building and migrating on a slow laptop takes a few seconds; a minute means something is wrong. */
const STARTUP_TIMEOUT_MS = 60_000;
const POLL_MS = 250;
/** A database name `CREATE DATABASE` can take unquoted. */
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const env = { ...process.env };
env.NODE_ENV ??= 'development';
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/wallet';
env.REDIS_URL ??= 'redis://127.0.0.1:6379';
env.WEBHOOK_ALLOW_PRIVATE ??= 'true';

const badInput = inputProblem(env);
if (badInput) {
  console.error(`dev: ${badInput}`);
  process.exit(1);
}
const failures = await checkServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
if (failures.length > 0) {
  for (const line of failures) console.error(line);
  process.exit(1);
}
if (!env.JWT_SECRET) {
  const { secret, created } = devSecret();
  env.JWT_SECRET = secret;
  const path = DEV_SECRET_PATH.slice(root.length);
  console.log(created ? `dev: generated a development JWT secret in ${path}` : `dev: using the JWT secret in ${path}`);
}

if (process.env.DEV_SKIP_BUILD !== 'true') {
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await ensureDatabase(env.DATABASE_URL);
const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
void announceWhenUp(env);

async function announceWhenUp(environment) {
  const apiBase = `http://localhost:${environment.PORT ?? 3000}`;
  const workerBase = `http://localhost:${environment.WORKER_PORT ?? 3001}`;
  const deadlineMs = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadlineMs) {
    if ((await answers(`${apiBase}/health/live`)) && (await answers(`${workerBase}/health/live`))) {
      console.log(`dev: API      ${apiBase}/api   (token: npm run -s token -- --sub alice)`);
      console.log(`dev: console  ${apiBase}/console/`);
      console.log(`dev: docs     ${apiBase}/docs   (OpenAPI: ${apiBase}/openapi.json)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  console.error(`dev: the API or the worker did not answer within ${STARTUP_TIMEOUT_MS / 1000} s; see the log above`);
}

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** One line on what is wrong with DATABASE_URL or REDIS_URL, checked before anything runs; undefined when fine. */
function inputProblem(environment) {
  for (const [name, protocols] of [
    ['DATABASE_URL', ['postgres:', 'postgresql:']],
    ['REDIS_URL', ['redis:', 'rediss:']],
  ]) {
    if (!URL.canParse(environment[name]) || !protocols.includes(new URL(environment[name]).protocol)) {
      return `${name} must be a ${protocols[0]}// URL`;
    }
  }
  let name = '';
  try {
    name = databaseName(environment.DATABASE_URL);
  } catch {
    // A malformed %-escape: not a simple name either.
  }
  if (!DATABASE_NAME.test(name)) {
    return 'DATABASE_URL must name a simple database (lower-case letters, digits, "_")';
  }
  return undefined;
}

function databaseName(databaseUrl) {
  return decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
}

async function ensureDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = databaseName(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${name}`);
      console.log(`dev: created database ${name}`);
    }
  } finally {
    await client.end();
  }
}
