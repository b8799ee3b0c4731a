import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';

/** Headers a browser client may send and read (CORS). */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match', 'x-request-id'];
const EXPOSED_HEADERS = ['etag', 'idempotent-replayed', 'retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
/** Browsers may cache a preflight answer for 10 minutes. */
const PREFLIGHT_MAX_AGE_S = 600;

/** Helmet on every response; CORS only for the origins listed in CORS_ORIGIN (empty = off). */
export default fp(
  async function securityPlugin(app) {
    await app.register(helmet, { global: true });
    const origins = app.config.CORS_ORIGIN.split(',').map((origin) => origin.trim()).filter(Boolean);
    if (origins.length === 0) return;
    await app.register(cors, {
      origin: origins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_S,
    });
  },
  { name: 'security' },
);
