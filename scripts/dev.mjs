// Runs the API and the worker for local use with safe development defaults: PostgreSQL on
// 127.0.0.1 (database "wallet", created when missing), local Redis, NODE_ENV=development
// (the console's "mint a token" button), and a random JWT secret unless JWT_SECRET is set.
// Production never uses this script: it runs apps/*/dist/main.js with a real environment.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import pg from 'pg';

const env = { ...process.env };
env.NODE_ENV ??= 'development';
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/wallet';
env.REDIS_URL ??= 'redis://127.0.0.1:6379';
env.WEBHOOK_ALLOW_PRIVATE ??= 'true';
if (!env.JWT_SECRET) {
  env.JWT_SECRET = randomBytes(32).toString('hex');
  console.log(`dev: generated JWT_SECRET for this run: ${env.JWT_SECRET}`);
  console.log('dev: mint a token with  JWT_SECRET=<that secret> npm run token -- --sub alice');
}

await ensureDatabase(env.DATABASE_URL);
const child = spawn(process.execPath, ['scripts/start.mjs'], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

async function ensureDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error('dev: DATABASE_URL must name a simple database');
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
