// Goal: the environment is validated at start-up with DESIGN.md §2's defaults, and a bad
// value stops the process with one line that names the variable but never echoes its value.
// Method: call loadConfig with hand-made environments.
import t from 'tap';
import { ConfigError, EnvSchema, loadConfig } from '../src/index.js';

const secret = 's'.repeat(32);

t.test('defaults are the documented ones', async (t) => {
  const config = loadConfig({ JWT_SECRET: secret }, { requireJwt: true });
  t.match(config, {
    PORT: 3000,
    HOST: '0.0.0.0',
    LEDGER_STORE: 'postgres',
    DATABASE_URL: 'postgres://localhost:5432/wallet',
    REDIS_URL: 'redis://127.0.0.1:6379',
    RATE_LIMIT_MAX: 100,
    RATE_LIMIT_WINDOW_MS: 60000,
    IDEMPOTENCY_TTL_SECONDS: 86400,
    HOLD_DEFAULT_TTL_SECONDS: 604_800,
    HOLD_MAX_TTL_SECONDS: 2_592_000,
    HISTORY_CACHE_TTL_SECONDS: 30,
    MAX_AMOUNT: 100_000_000_000,
    SHUTDOWN_DELAY_MS: 0,
    SHUTDOWN_TIMEOUT_MS: 25000,
    WORKER_PORT: 3001,
    WEBHOOK_ALLOW_PRIVATE: false,
    LOG_LEVEL: 'info',
  });
  t.equal(config.MONGO_URL, undefined);
});

t.test('values are converted from strings', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LEDGER_STORE: 'mongo',
    MONGO_URL: 'mongodb://m/?replicaSet=rs0',
    LOG_LEVEL: 'warn',
  });
  t.equal(config.PORT, 8080);
  t.equal(config.WEBHOOK_ALLOW_PRIVATE, true);
  t.equal(config.LEDGER_STORE, 'mongo');
  t.equal(config.LOG_LEVEL, 'warn');
});

t.test('empty strings count as unset', async (t) => {
  t.equal(loadConfig({ PORT: '' }).PORT, 3000);
});

const bad: Array<[Record<string, string>, RegExp]> = [
  [{ PORT: 'eighty' }, /^PORT: must be an integer$/],
  [{ PORT: '70000' }, /^PORT: /],
  [{ PORT: '1.5' }, /^PORT: must be an integer$/],
  [{ LEDGER_STORE: 'mysql' }, /^LEDGER_STORE: /],
  [{ LEDGER_STORE: 'mongo' }, /^MONGO_URL: required/],
  [{ JWT_SECRET: 'short-secret' }, /^JWT_SECRET: /],
  [{ WEBHOOK_ALLOW_PRIVATE: 'yes' }, /^WEBHOOK_ALLOW_PRIVATE: must be true or false$/],
  [{ MAX_AMOUNT: '0' }, /^MAX_AMOUNT: /],
  [{ MAX_AMOUNT: '9007199254740993' }, /^MAX_AMOUNT: /],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
  [{ REDIS_PREFIX: 'a b' }, /^REDIS_PREFIX: /],
];
for (const [env, message] of bad) {
  t.test(`refuses ${JSON.stringify(env)}`, async (t) => {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message });
    try {
      loadConfig(env);
    } catch (error) {
      t.type(error, ConfigError);
      const value = Object.values(env)[0]!;
      if (value.length > 5) t.notMatch((error as Error).message, value, 'the value is not echoed');
      t.notMatch((error as Error).message, /\n/, 'one line');
    }
  });
}

t.test('the API refuses to start without a JWT key', async (t) => {
  t.throws(() => loadConfig({}, { requireJwt: true }), { message: /^JWT_SECRET: required/ });
  t.doesNotThrow(() => loadConfig({}));
  t.doesNotThrow(() => loadConfig({ JWT_PUBLIC_KEY: PUBLIC_KEY, CURSOR_SECRET: 'c'.repeat(32) }, { requireJwt: true }));
});

const PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\n' + 'A'.repeat(80) + '\n-----END PUBLIC KEY-----';

t.test('CURSOR_SECRET: required with JWT_PUBLIC_KEY, at least 32 bytes, optional with JWT_SECRET', async (t) => {
  t.throws(() => loadConfig({ JWT_PUBLIC_KEY: PUBLIC_KEY }, { requireJwt: true }), {
    name: 'ConfigError',
    message: /^CURSOR_SECRET: required/,
  });
  t.doesNotThrow(() => loadConfig({ JWT_PUBLIC_KEY: PUBLIC_KEY }), 'the worker signs no cursor');
  t.throws(() => loadConfig({ JWT_SECRET: 's'.repeat(32), CURSOR_SECRET: 'short' }), {
    message: /^CURSOR_SECRET: /,
  });
  // 11 three-byte characters: 33 bytes but 11 UTF-16 units, refused by the schema's length.
  t.throws(() => loadConfig({ JWT_SECRET: 's'.repeat(32), CURSOR_SECRET: '€'.repeat(11) }), {
    message: /^CURSOR_SECRET: /,
  });
  const config = loadConfig({ JWT_SECRET: 's'.repeat(32) }, { requireJwt: true });
  t.equal(config.CURSOR_SECRET, undefined, 'derived from JWT_SECRET when unset');
  const both = loadConfig({ JWT_PUBLIC_KEY: PUBLIC_KEY, CURSOR_SECRET: 'c'.repeat(40) }, { requireJwt: true });
  t.equal(both.CURSOR_SECRET, 'c'.repeat(40));
  try {
    loadConfig({ JWT_SECRET: 's'.repeat(32), CURSOR_SECRET: 'tiny-secret-value' });
  } catch (error) {
    t.notMatch((error as Error).message, 'tiny-secret-value', 'the value is not echoed');
  }
});

t.test('every variable has a description-worthy bound', async (t) => {
  for (const [name, schema] of Object.entries(EnvSchema.properties)) {
    const s = schema as { type?: string; maximum?: number; maxLength?: number; anyOf?: unknown };
    if (s.type === 'integer') t.ok(s.maximum !== undefined, `${name} has a maximum`);
    if (s.type === 'string')
      t.ok(s.maxLength !== undefined || (s as { pattern?: string }).pattern, `${name} has a length bound`);
  }
});

t.test('a hold default lifetime above the maximum is refused', async (t) => {
  t.throws(() => loadConfig({ HOLD_DEFAULT_TTL_SECONDS: '100', HOLD_MAX_TTL_SECONDS: '50' }), {
    name: 'ConfigError',
    message: 'HOLD_DEFAULT_TTL_SECONDS: must not exceed HOLD_MAX_TTL_SECONDS',
  });
  t.match(loadConfig({ HOLD_DEFAULT_TTL_SECONDS: '50', HOLD_MAX_TTL_SECONDS: '50' }), { HOLD_DEFAULT_TTL_SECONDS: 50 });
});
