export * from './names.js';
export * from './job-schemas.js';
export * from './job-options.js';
export * from './backoff.js';
export * from './dead-letters.js';
export * from './redis-connection.js';
export * from './queues.js';
