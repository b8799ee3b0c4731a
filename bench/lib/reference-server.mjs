// The two references, served by one bare Fastify process the runner forks:
//   POST /ceiling       answers the very JSON of a real credit reply (HTTP + JSON ceiling);
//   POST /ref/:kind     the hand-written pg credit/debit (database reference, reference-db.mjs).
// No auth, no schemas, no hooks, logger off: what is left is the cost of HTTP and of the
// database work. Configured through the environment; reports { type: 'ready', port,
// walletIds, hotWalletId } over IPC once its tables are created and seeded.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { createReferenceTables, referenceBalanceChange, seedReferenceWallets } from './reference-db.mjs';

const env = process.env;
const schema = env.BENCH_SCHEMA;
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema ?? '')) throw new Error('BENCH_SCHEMA invalid');
const sampleReply = JSON.parse(env.BENCH_SAMPLE_REPLY ?? '{}');
const policy = {
  attemptsMax: Number(env.BENCH_RETRY_ATTEMPTS),
  baseDelayMs: Number(env.BENCH_RETRY_BASE_MS),
  delayMaxMs: Number(env.BENCH_RETRY_MAX_MS),
};

const pool = new pg.Pool({
  connectionString: env.BENCH_DATABASE_URL,
  max: Number(env.BENCH_POOL_MAX),
  connectionTimeoutMillis: 5000,
  idleTimeoutMillis: 30_000,
  statement_timeout: 5000,
  application_name: 'wallet-bench-reference',
});
pool.on('error', () => undefined);

await createReferenceTables(pool, schema);
const walletIds = await seedReferenceWallets(pool, schema, {
  count: Number(env.BENCH_WALLETS),
  balanceMinor: Number(env.BENCH_BALANCE),
  userPrefix: 'ref-user-',
});
const [hotWalletId] = await seedReferenceWallets(pool, schema, {
  count: 1,
  balanceMinor: Number(env.BENCH_HOT_BALANCE),
  userPrefix: 'ref-hot-',
});

// 16 KiB is far above the largest benchmark body; connection timeouts match a real server's.
const app = Fastify({ logger: false, bodyLimit: 16 * 1024, keepAliveTimeout: 72_000, requestTimeout: 10_000 });

app.post('/ceiling', async () => sampleReply);

app.post('/ref/:kind', async (request, reply) => {
  const { kind } = request.params;
  const { walletId, userId, amount } = request.body ?? {};
  const key = request.headers['idempotency-key'];
  if (
    (kind !== 'credit' && kind !== 'debit') ||
    typeof walletId !== 'string' ||
    typeof userId !== 'string' ||
    !Number.isSafeInteger(amount) ||
    typeof key !== 'string'
  ) {
    return reply.code(400).send({ code: 'validation_failed' });
  }
  try {
    const result = await referenceBalanceChange(
      pool,
      schema,
      { kind, walletId, userId, amount, key, requestId: randomUUID(), ip: request.ip },
      policy,
    );
    return reply.code(result.statusCode).send(result.body);
  } catch {
    return reply.code(500).send({ code: 'internal_error' });
  }
});

await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ type: 'ready', port: app.server.address().port, walletIds, hotWalletId });

async function shutdown() {
  await app.close();
  await pool.end();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('disconnect', shutdown);
