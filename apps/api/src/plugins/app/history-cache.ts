import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * History pages cached in Redis. Keys are chosen so a cached page can never hide a
 * committed write: the first page's key carries the wallet version read after ownership
 * was checked (a write bumps it: read-your-writes), and a cursor page holds entries older
 * than its position, which never change. TTL bounds memory, not correctness.
 */
export interface HistoryCache {
  /**
   * The reply body of a page, serialized by the route (`{"data":[…],"nextCursor":…}`): a hit
   * is sent as stored, without parsing and serializing it again. The request's rate limit is
   * counted in the same round trip as the lookup (the route is `rateLimitInHandler`), so a
   * hit costs one Redis round trip; past the budget this throws the 429.
   */
  page(
    request: FastifyRequest,
    reply: FastifyReply,
    position: HistoryPosition,
    load: () => Promise<string>,
  ): Promise<string>;
}

export interface HistoryPosition {
  walletId: string;
  limit: number;
  /** The wallet's version when the request resolved it (first page). */
  version: number;
  /** Entries with seq < beforeSeq (cursor page). */
  beforeSeq?: number;
}

/** A page of 100 entries with 500-char metadata values stays far below this; bigger ones are not cached. */
const CACHED_PAGE_BYTES_MAX = 2_000_000;

/** Format of the cached value, in the key: entries of an older format are never read as this one. */
const CACHED_FORMAT = 'r1';

export function historyCacheKey(prefix: string, position: HistoryPosition): string {
  const where = position.beforeSeq === undefined ? `v${position.version}` : `b${position.beforeSeq}`;
  return `${prefix}:hist:${position.walletId}:${position.limit}:${where}:${CACHED_FORMAT}`;
}

export default fp(
  async function historyCachePlugin(app) {
    const { redisFastPath: redis, redis: client, metrics } = app;
    const ttlSeconds = app.config.HISTORY_CACHE_TTL_SECONDS;
    const cache: HistoryCache = {
      async page(request, reply, position, load) {
        const key = historyCacheKey(redis.prefix, position);
        const counted = await app.rateLimit.countPending(request, reply, (counterKey, budget) =>
          redis.scripts.rateLimitGet(counterKey, budget.windowMs, budget.max, key),
        );
        // No page field: Redis was unavailable and the request was counted per process.
        if (!('page' in counted) || counted.page === undefined) return bypass(load);
        if (counted.page !== null) {
          metrics.historyCache.inc({ result: 'hit' });
          return counted.page;
        }
        metrics.historyCache.inc({ result: 'miss' });
        const body = await load();
        if (body.length <= CACHED_PAGE_BYTES_MAX) {
          await client
            .set(key, body, 'EX', ttlSeconds)
            .catch(() => metrics.redisFallback.inc({ use: 'history_cache' }));
        }
        return body;
      },
    };

    function bypass(load: () => Promise<string>): Promise<string> {
      metrics.historyCache.inc({ result: 'bypass' });
      metrics.redisFallback.inc({ use: 'history_cache' });
      return load();
    }

    app.decorate('historyCache', cache);
  },
  { name: 'history-cache', dependencies: ['redis', 'metrics', 'rate-limit'] },
);
