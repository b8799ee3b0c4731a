export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { MIGRATIONS } from './migrations.js';
