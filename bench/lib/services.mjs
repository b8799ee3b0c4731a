// Starts the system under test and its helpers as child processes with the run's settings:
// the API and the worker (PostgreSQL store, fresh schema, private Redis prefix, generated
// JWT secret, LOG_LEVEL=warn, rate limits raised out of the way), the reference server and
// the webhook receiver.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, logTail, startNode, waitForHttp, waitForMessage } from './children.mjs';

/** Start-up bound for the API/worker (migrations on a busy machine) and the helpers. */
const START_TIMEOUT_MS = 60_000;

export const API_ENTRY = 'apps/api/dist/main.js';
export const WORKER_ENTRY = 'apps/worker/dist/main.js';

/** The server-side retry policy, given to the API and copied by the database reference. */
export const RETRY_POLICY = { attemptsMax: 5, baseDelayMs: 5, delayMaxMs: 200 };

/** Pool size of the API and of the reference server: same connections, same concurrency. */
export const DB_POOL_MAX = 20;

/**
 * The API's own limit is 1,000,000 requests per window (the schema's maximum); a run sends
 * well under 100,000 per user, so neither the global nor the write budget ever answers 429.
 */
const RATE_LIMIT_RAISED = '1000000';
export const NODE_HEAP_OPTIONS = '--max-old-space-size=96';

export function serviceEnv(settings) {
  return {
    NODE_ENV: 'production',
    // The images' heap cap (Dockerfile ENV NODE_OPTIONS): measure what production runs.
    NODE_OPTIONS: NODE_HEAP_OPTIONS,
    HOST: '127.0.0.1',
    LEDGER_STORE: 'postgres',
    DATABASE_URL: settings.databaseUrl,
    DATABASE_SCHEMA: settings.schema,
    DB_POOL_MAX: String(DB_POOL_MAX),
    REDIS_URL: settings.redisUrl,
    REDIS_PREFIX: settings.redisPrefix,
    JWT_SECRET: settings.jwtSecret,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: RATE_LIMIT_RAISED,
    RATE_LIMIT_WRITE_MAX: RATE_LIMIT_RAISED,
    LEDGER_RETRY_ATTEMPTS: String(RETRY_POLICY.attemptsMax),
    LEDGER_RETRY_BASE_MS: String(RETRY_POLICY.baseDelayMs),
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Below children.STOP_TIMEOUT_MS, so a drained exit (and its CPU profile) beats SIGKILL.
    SHUTDOWN_TIMEOUT_MS: '10000',
    WORKER_PORT: String(settings.workerPort),
    PORT: String(settings.apiPort),
  };
}

export function assertBuilt(root) {
  const missing = [API_ENTRY, WORKER_ENTRY].filter((entry) => !existsSync(join(root, entry)));
  if (missing.length > 0)
    throw new Error(`not built: ${missing.join(', ')} (run \`npm run build\`, or \`npm run bench\`)`);
}

export async function startApi(settings, { logDir, nodeArgs = [], suffix = '' }) {
  const api = startNode(`api${suffix}`, [API_ENTRY], {
    env: serviceEnv(settings),
    logPath: join(logDir, `api${suffix}.log`),
    nodeArgs,
  });
  await waitForHttp(api, `http://127.0.0.1:${settings.apiPort}/health/ready`, START_TIMEOUT_MS);
  return api;
}

export async function startWorker(settings, { logDir }) {
  const worker = startNode('worker', [WORKER_ENTRY], {
    env: serviceEnv(settings),
    logPath: join(logDir, 'worker.log'),
  });
  await waitForHttp(worker, `http://127.0.0.1:${settings.workerPort}/health/ready`, START_TIMEOUT_MS);
  return worker;
}

export async function startWebhookReceiver({ logDir }) {
  const receiver = startNode('webhook-receiver', [new URL('./webhook-receiver.mjs', import.meta.url).pathname], {
    logPath: join(logDir, 'webhook-receiver.log'),
    ipc: true,
  });
  const { port } = await waitForMessage(receiver, 'ready', START_TIMEOUT_MS);
  return { receiver, url: `http://127.0.0.1:${port}/hook` };
}

export async function startReferenceServer(settings, { logDir, sampleReply, wallets, balanceMinor, hotBalanceMinor }) {
  const reference = startNode('reference', [new URL('./reference-server.mjs', import.meta.url).pathname], {
    logPath: join(logDir, 'reference.log'),
    ipc: true,
    env: {
      BENCH_DATABASE_URL: settings.databaseUrl,
      BENCH_SCHEMA: settings.schema,
      BENCH_POOL_MAX: String(DB_POOL_MAX),
      BENCH_WALLETS: String(wallets),
      BENCH_BALANCE: String(balanceMinor),
      BENCH_HOT_BALANCE: String(hotBalanceMinor),
      BENCH_SAMPLE_REPLY: sampleReply,
      BENCH_RETRY_ATTEMPTS: String(RETRY_POLICY.attemptsMax),
      BENCH_RETRY_BASE_MS: String(RETRY_POLICY.baseDelayMs),
      BENCH_RETRY_MAX_MS: String(RETRY_POLICY.delayMaxMs),
    },
  });
  const ready = await waitForMessage(reference, 'ready', START_TIMEOUT_MS).catch((error) => {
    throw new Error(`${error.message}\n${logTail(reference)}`);
  });
  return {
    reference,
    url: `http://127.0.0.1:${ready.port}`,
    walletIds: ready.walletIds,
    hotWalletId: ready.hotWalletId,
  };
}

export { freePort };
