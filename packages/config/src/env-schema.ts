import { Type, type Static } from '@sinclair/typebox';

/**
 * The one description of the process environment. The `Config` type is derived from it,
 * and the OpenAPI/deployment consistency tests read it, so a variable is added here or
 * nowhere. Every number has a bound; every default is the one DESIGN.md §2 documents.
 */
const Int = (defaultValue: number, minimum: number, maximum: number, description: string) =>
  Type.Integer({ default: defaultValue, minimum, maximum, description });

const Flag = (description: string) => Type.Boolean({ default: false, description });

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('production'), Type.Literal('development'), Type.Literal('test')], {
    default: 'production',
    description: 'development enables the console token button',
  }),
  PORT: Int(3000, 0, 65535, 'API listen port'),
  HOST: Type.String({ default: '0.0.0.0', minLength: 1, maxLength: 255, description: 'API listen address' }),
  LEDGER_STORE: Type.Union([Type.Literal('postgres'), Type.Literal('mongo')], { default: 'postgres' }),
  DATABASE_URL: Type.String({ default: 'postgres://localhost:5432/wallet', minLength: 1, maxLength: 2048 }),
  DATABASE_SCHEMA: Type.String({
    default: 'public',
    pattern: '^[a-z_][a-z0-9_]{0,62}$',
    description: 'PostgreSQL schema',
  }),
  DB_POOL_MAX: Int(20, 1, 500, 'database connections per process'),
  DB_STATEMENT_TIMEOUT_MS: Int(5000, 100, 600000, 'per-statement timeout'),
  MONGO_URL: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'replica-set URL' })),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379', minLength: 1, maxLength: 2048 }),
  REDIS_PREFIX: Type.String({
    default: 'wallet',
    pattern: '^[A-Za-z0-9_.-]{1,64}$',
    description: 'prefix of every Redis key and queue',
  }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32, maxLength: 4096, description: 'HS256 secret, >= 32 bytes' })),
  JWT_PUBLIC_KEY: Type.Optional(
    Type.String({ minLength: 64, maxLength: 16384, description: 'PEM public key, RS256/ES256' }),
  ),
  CURSOR_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      maxLength: 4096,
      description: 'key that signs history/list cursors, >= 32 bytes; required with JWT_PUBLIC_KEY, else derived',
    }),
  ),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  CORS_ORIGIN: Type.String({
    default: '',
    maxLength: 2048,
    description: 'comma-separated allowed origins; empty = CORS off',
  }),
  RATE_LIMIT_MAX: Int(100, 1, 1_000_000, 'requests per window per user (per IP when anonymous)'),
  RATE_LIMIT_WINDOW_MS: Int(60000, 1000, 86_400_000, 'rate-limit window'),
  RATE_LIMIT_WRITE_MAX: Int(30, 1, 1_000_000, 'money-moving requests per window per user'),
  HOLD_DEFAULT_TTL_SECONDS: Int(604_800, 1, 31_536_000, "a hold's lifetime when the request names none"),
  HOLD_MAX_TTL_SECONDS: Int(2_592_000, 1, 31_536_000, 'the longest expiresInSeconds a hold may ask for'),
  IDEMPOTENCY_TTL_SECONDS: Int(86400, 60, 30 * 86400, 'how long a key is remembered'),
  HISTORY_CACHE_TTL_SECONDS: Int(30, 1, 86400, 'history page cache'),
  MAX_AMOUNT: Int(100_000_000_000, 1, Number.MAX_SAFE_INTEGER, 'largest single amount, minor units'),
  LEDGER_RETRY_ATTEMPTS: Int(5, 1, 20, 'attempts on a version conflict before concurrent_modification'),
  LEDGER_RETRY_BASE_MS: Int(5, 1, 1000, 'base of the exponential backoff with full jitter'),
  BALANCE_BATCH_MAX: Int(64, 1, 1000, 'most credits/debits of one wallet sent to the store together; 1 = off'),
  BALANCE_BATCH_WAIT_MS: Int(2, 0, 1000, "longest wait for a wallet's in-flight write before a batch goes anyway"),
  SHUTDOWN_DELAY_MS: Int(0, 0, 300_000, 'readiness-off delay before closing the listener'),
  SHUTDOWN_TIMEOUT_MS: Int(25000, 100, 600_000, 'bound on the whole drain'),
  REQUEST_TIMEOUT_MS: Int(10000, 100, 600_000, 'whole-request timeout'),
  WORKER_PORT: Int(3001, 0, 65535, 'worker health + metrics port'),
  WORKER_CONCURRENCY: Int(8, 1, 256, 'notification jobs processed at once per worker'),
  OUTBOX_POLL_MS: Int(250, 10, 60_000, 'outbox relay poll interval when idle'),
  OUTBOX_BATCH_SIZE: Int(100, 1, 1000, 'outbox events claimed per relay round'),
  WEBHOOK_ALLOW_PRIVATE: Flag('allow webhook URLs on loopback/private addresses (tests, local)'),
  WEBHOOK_TIMEOUT_MS: Int(5000, 100, 60_000, 'one delivery attempt'),
  WEBHOOK_ATTEMPTS: Int(8, 1, 50, 'delivery attempts before the dead-letter set'),
  WEBHOOK_BACKOFF_MS: Int(1000, 10, 3_600_000, 'base of the exponential delivery backoff'),
  WEBHOOK_RERELAY_AFTER_MS: Int(
    300_000,
    1000,
    86_400_000,
    'a delivery neither delivered nor dead-lettered this long after its relay has its job added again if it vanished',
  ),
  RECONCILE_INTERVAL_MS: Int(300_000, 1000, 86_400_000, 'reconciliation schedule'),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
});

export type Config = Static<typeof EnvSchema>;
