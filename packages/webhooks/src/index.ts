export * from './signature.js';
export * from './webhook-url.js';
