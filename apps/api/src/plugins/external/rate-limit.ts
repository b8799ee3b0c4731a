import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { LedgerError } from '@wallet/ledger';
import { fallbackRateLimitStore } from '../../lib/fallback-rate-limit-store.js';

/** Probes, metrics and the API docs are never rate limited (kubelet and Prometheus poll them). */
const UNLIMITED_PREFIXES = ['/health/', '/metrics', '/docs', '/openapi.json'];

/** The stricter budget shared by every money-moving route (credit, debit, transfer). */
export function writeRateLimit(max: number, timeWindowMs: number) {
  return { max, timeWindow: timeWindowMs, groupId: 'write' };
}

/**
 * @fastify/rate-limit on Redis, keyed by user (`sub`) or by IP when anonymous. It runs as a
 * route-level onRequest hook, i.e. after `authenticate` (a plugin-level hook), so the key is
 * the verified user. Redis down → per-process counters (metric `redis_fallback_total{use="rate_limit"}`).
 */
export default fp(
  async function rateLimitPlugin(app) {
    const { redisFastPath: redis, config, metrics } = app;
    await app.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      hook: 'onRequest',
      store: fallbackRateLimitStore({
        incr: redis.scripts.rateLimitIncr,
        isReady: redis.isReady,
        namespace: `${redis.prefix}:rl:`,
        onFallback: () => metrics.redisFallback.inc({ use: 'rate_limit' }),
      }),
      keyGenerator: (request: FastifyRequest) =>
        request.caller ? `u:${encodeURIComponent(request.caller.userId)}` : `ip:${request.ip}`,
      allowList: (request: FastifyRequest) => UNLIMITED_PREFIXES.some((prefix) => request.url.startsWith(prefix)),
      errorResponseBuilder: (_request, context) =>
        new LedgerError('rate_limited', `rate limit of ${context.max} requests exceeded; retry in ${context.after}`, {
          retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
        }),
    });
  },
  { name: 'rate-limit', dependencies: ['redis', 'metrics'] },
);
