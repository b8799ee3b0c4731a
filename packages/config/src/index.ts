export { EnvSchema, type Config } from './env-schema.js';
export { loadConfig, ConfigError, type LoadConfigOptions } from './load-config.js';
