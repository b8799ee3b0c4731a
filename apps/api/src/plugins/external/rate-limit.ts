import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { LedgerError } from '@wallet/ledger';
import { RateCounter } from '../../lib/rate-counter.js';
import type { Counted, IdempotencyBegin } from '../../lib/redis-scripts.js';
import { fastPathKeysOf, markerTtlMsFor } from '../../lib/idempotency-keys.js';

/** Probes, metrics and the API docs are never rate limited (kubelet and Prometheus poll them). */
const UNLIMITED_PREFIXES = ['/health/', '/metrics', '/docs', '/openapi.json'];

/** A route's own budget (`config.rateLimit`); routes without one share the global budget. */
export interface RateLimitOptions {
  max: number;
  /** Window in ms. */
  timeWindow: number;
  /** Routes with the same groupId share one budget. */
  groupId?: string;
}

/** The stricter budget shared by every money-moving route (credit, debit, transfer). */
export function writeRateLimit(max: number, timeWindowMs: number): RateLimitOptions {
  return { max, timeWindow: timeWindowMs, groupId: 'write' };
}

/** One budget: its limit, window, and where its counters live. */
export interface Budget {
  max: number;
  windowMs: number;
  /** Counter key = namespace + caller key + suffix (the layout @fastify/rate-limit used, so counters carry over). */
  namespace: string;
  suffix: string;
}

export interface RateLimiter {
  /**
   * For a route with `config.rateLimitInHandler`: counts the request's budget through
   * `viaRedis` (a script that also does the handler's own lookup, one round trip), sets the
   * x-ratelimit-* headers and throws 429 past the budget. Per-process fallback when Redis is
   * unavailable (then the result has nothing else). A request counts once.
   */
  countPending<R extends Counted>(
    request: FastifyRequest,
    reply: FastifyReply,
    viaRedis: (counterKey: string, budget: Budget) => Promise<R>,
  ): Promise<R | Counted>;
  /**
   * The error handler's part: a request refused before its handler counted its budget
   * (validation, not found, …) still counts; past the budget the refusal becomes the 429.
   */
  settle(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<unknown>;
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimit: RateLimiter;
  }
  interface FastifyRequest {
    /** Budget of a `rateLimitInHandler` route not counted yet. */
    rateLimitPending: Budget | null;
    /** The idempotency begin done in the rate-limit round trip (onRequest), for the idempotency preHandler. */
    idempotencyBegun: IdempotencyBegin | null;
  }
  interface FastifyContextConfig {
    /** The route's own budget, or false: not limited. */
    rateLimit?: false | RateLimitOptions;
    /** The handler counts the budget itself, with its Redis lookup (`app.rateLimit.countPending`). */
    rateLimitInHandler?: true;
  }
}

/**
 * Fixed-window rate limits in Redis, keyed by user (`sub`) or by IP when anonymous, as a
 * route-level onRequest hook, i.e. after `authenticate` (a plugin-level hook), so the key is
 * the verified user. On a keyed write the same script also does the idempotency begin (the
 * cached reply or the in-flight marker): a replay is one round trip. Redis down →
 * per-process counters (metric `redis_fallback_total{use="rate_limit"}`).
 */
export default fp(
  async function rateLimitPlugin(app) {
    const { redisFastPath: redis, config, metrics } = app;
    const counter = new RateCounter({
      isReady: redis.isReady,
      onFallback: () => metrics.redisFallback.inc({ use: 'rate_limit' }),
    });
    const namespace = `${redis.prefix}:rl:`;
    const global: Budget = { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS, namespace, suffix: '' };
    const markerTtlMs = markerTtlMsFor(config.REQUEST_TIMEOUT_MS);

    async function countWith<R extends Counted>(
      request: FastifyRequest,
      reply: FastifyReply,
      budget: Budget,
      viaRedis: (counterKey: string) => Promise<R>,
    ): Promise<R | Counted> {
      const key = `${budget.namespace}${callerKey(request)}${budget.suffix}`;
      const counted = await counter.count(key, budget.windowMs, () => viaRedis(key));
      enforce(reply, budget.max, counted);
      return counted;
    }

    /** The onRequest hook of a limited route: the count, with the idempotency begin on a keyed write. */
    const hookFor = (budget: Budget, inHandler: boolean) =>
      async function rateLimitHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
        if (UNLIMITED_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return;
        if (inHandler) {
          request.rateLimitPending = budget;
          return;
        }
        const keys = fastPathKeysOf(request, redis.prefix);
        if (keys === undefined) {
          await countWith(request, reply, budget, (key) => redis.scripts.rateLimitIncr(key, budget.windowMs));
          return;
        }
        const begin = { ...keys, owner: request.id, markerTtlMs };
        const counted = await countWith(request, reply, budget, (key) =>
          redis.scripts.rateLimitIdempotencyBegin(key, budget.windowMs, budget.max, begin),
        );
        if ('begun' in counted && counted.begun) request.idempotencyBegun = counted.begun;
      };

    const limiter: RateLimiter = {
      async countPending(request, reply, viaRedis) {
        const budget = request.rateLimitPending;
        request.rateLimitPending = null;
        if (budget === null) throw new Error('countPending on a route without a pending rate-limit budget');
        return countWith(request, reply, budget, (key) => viaRedis(key, budget));
      },
      async settle(request, reply, error) {
        const budget = request.rateLimitPending;
        if (budget === null) return error;
        request.rateLimitPending = null;
        try {
          await countWith(request, reply, budget, (key) => redis.scripts.rateLimitIncr(key, budget.windowMs));
        } catch (limited) {
          return limited;
        }
        return error;
      },
    };
    app.decorate('rateLimit', limiter);
    app.decorateRequest('rateLimitPending', null);
    app.decorateRequest('idempotencyBegun', null);
    app.addHook('onRoute', (route) => {
      const budget = budgetOf(route, global);
      if (budget !== undefined) appendOnRequest(route, hookFor(budget, route.config?.rateLimitInHandler === true));
    });
  },
  { name: 'rate-limit', dependencies: ['redis', 'metrics'] },
);

function callerKey(request: FastifyRequest): string {
  return request.caller ? `u:${encodeURIComponent(request.caller.userId)}` : `ip:${request.ip}`;
}

/** The global budget, the route's own (its group's, or its method and path's), or none. */
function budgetOf(route: RouteOptions, global: Budget): Budget | undefined {
  const own = route.config?.rateLimit;
  if (own === false) return undefined;
  if (own === undefined) return global;
  const scope = own.groupId ?? `${String(route.method)}${route.url}`;
  return {
    max: own.max,
    windowMs: own.timeWindow,
    namespace: `${global.namespace}${scope}:`,
    suffix: own.groupId ?? '',
  };
}

function appendOnRequest(route: RouteOptions, hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>) {
  const existing = route.onRequest;
  route.onRequest = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
}

/** The x-ratelimit-* headers; past the budget also Retry-After and a 429 rate_limited. */
function enforce(reply: FastifyReply, max: number, counted: Counted): void {
  const resetSeconds = Math.ceil(counted.ttl / 1000);
  reply.header('x-ratelimit-limit', max);
  if (counted.current <= max) {
    reply.header('x-ratelimit-remaining', max - counted.current).header('x-ratelimit-reset', resetSeconds);
    return;
  }
  reply
    .header('x-ratelimit-remaining', 0)
    .header('x-ratelimit-reset', resetSeconds)
    .header('retry-after', resetSeconds);
  throw new LedgerError(
    'rate_limited',
    `rate limit of ${max} requests exceeded; retry in ${spokenDuration(resetSeconds)}`,
    {
      retryAfterSeconds: Math.max(1, resetSeconds),
    },
  );
}

/** "59 seconds", "1 minute", "2 hours": the wording @fastify/rate-limit used (via @lukeed/ms). */
export function spokenDuration(seconds: number): string {
  const units: [string, number][] = [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  if (seconds < 1) return `${seconds * 1000} ms`;
  const [unit, size] = units.find(([, unitSeconds]) => seconds >= unitSeconds)!;
  const count = Math.round(seconds / size);
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
