import { Value } from '@sinclair/typebox/value';
import { EnvSchema, type Config } from './env-schema.js';

/** A bad environment: the message is one line that names the variable, never its value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** The API needs a JWT key; the worker does not. Default: false. */
  requireJwt?: boolean;
}

const booleans: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };

/**
 * Reads, converts and validates the environment. Unknown variables are ignored (the
 * process environment is full of them); empty strings count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(EnvSchema.properties)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[name] = convert(name, value, (schema as { type?: string }).type);
  }
  const withDefaults = Value.Default(EnvSchema, raw);
  const firstError = Value.Errors(EnvSchema, withDefaults).First();
  if (firstError) {
    const name = firstError.path.replace(/^\//, '') || 'environment';
    throw new ConfigError(`${name}: ${firstError.message}`);
  }
  const config = withDefaults as Config;
  if (options.requireJwt && !config.JWT_SECRET && !config.JWT_PUBLIC_KEY) {
    throw new ConfigError('JWT_SECRET: required (at least 32 bytes), or set JWT_PUBLIC_KEY');
  }
  if (config.JWT_SECRET && Buffer.byteLength(config.JWT_SECRET) < 32) {
    throw new ConfigError('JWT_SECRET: must be at least 32 bytes');
  }
  if (config.HOLD_DEFAULT_TTL_SECONDS > config.HOLD_MAX_TTL_SECONDS) {
    throw new ConfigError('HOLD_DEFAULT_TTL_SECONDS: must not exceed HOLD_MAX_TTL_SECONDS');
  }
  // With a public key the JWT material is public: a cursor key derived from it could be forged.
  if (options.requireJwt && config.JWT_PUBLIC_KEY && !config.CURSOR_SECRET) {
    throw new ConfigError('CURSOR_SECRET: required (at least 32 bytes) when JWT_PUBLIC_KEY is set');
  }
  if (config.CURSOR_SECRET && Buffer.byteLength(config.CURSOR_SECRET) < 32) {
    throw new ConfigError('CURSOR_SECRET: must be at least 32 bytes');
  }
  if (config.LEDGER_STORE === 'mongo' && !config.MONGO_URL) {
    throw new ConfigError('MONGO_URL: required when LEDGER_STORE=mongo');
  }
  if (
    config.WEBHOOK_ATTEMPTS >= 2 &&
    config.WEBHOOK_BACKOFF_MS * 2 ** (config.WEBHOOK_ATTEMPTS - 2) > WEBHOOK_BACKOFF_WAIT_MAX_MS
  ) {
    throw new ConfigError('WEBHOOK_ATTEMPTS: with this WEBHOOK_BACKOFF_MS the last retry would wait over 6 h');
  }
  return config;
}

/**
 * Longest wait between two delivery attempts (@wallet/queue's WEBHOOK_BACKOFF_MAX_MS): BullMQ's
 * exponential backoff has no cap, so a schedule that would need one is refused here.
 */
const WEBHOOK_BACKOFF_WAIT_MAX_MS = 6 * 3600 * 1000;

function convert(name: string, value: string, type: string | undefined): unknown {
  if (type === 'integer') {
    if (!/^-?\d+$/.test(value.trim())) throw new ConfigError(`${name}: must be an integer`);
    return Number(value.trim());
  }
  if (type === 'boolean') {
    const flag = booleans[value.trim().toLowerCase()];
    if (flag === undefined) throw new ConfigError(`${name}: must be true or false`);
    return flag;
  }
  return value;
}
