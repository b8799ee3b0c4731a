import fp from 'fastify-plugin';
import type { HistoryPage } from '@wallet/ledger';

/**
 * History pages cached in Redis. Keys are chosen so a cached page can never hide a
 * committed write: the first page's key carries the wallet version read after ownership
 * was checked (a write bumps it: read-your-writes), and a cursor page holds entries older
 * than its position, which never change. TTL bounds memory, not correctness.
 */
export interface HistoryCache {
  page(position: HistoryPosition, load: () => Promise<HistoryPage>): Promise<HistoryPage>;
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

export function historyCacheKey(prefix: string, position: HistoryPosition): string {
  const where = position.beforeSeq === undefined ? `v${position.version}` : `b${position.beforeSeq}`;
  return `${prefix}:hist:${position.walletId}:${position.limit}:${where}`;
}

export default fp(
  async function historyCachePlugin(app) {
    const { apiRedis: redis, metrics } = app;
    const ttlSeconds = app.config.HISTORY_CACHE_TTL_SECONDS;
    const cache: HistoryCache = {
      async page(position, load) {
        if (!redis.isReady()) return bypass(load);
        const key = historyCacheKey(redis.prefix, position);
        let raw: string | null;
        try {
          raw = await redis.client.get(key);
        } catch {
          return bypass(load);
        }
        if (raw !== null) {
          metrics.historyCache.inc({ result: 'hit' });
          return JSON.parse(raw) as HistoryPage;
        }
        metrics.historyCache.inc({ result: 'miss' });
        const page = await load();
        const serialized = JSON.stringify(page);
        if (serialized.length <= CACHED_PAGE_BYTES_MAX) {
          await redis.client.set(key, serialized, 'EX', ttlSeconds).catch(() => metrics.redisFallback.inc({ use: 'history_cache' }));
        }
        return page;
      },
    };

    function bypass(load: () => Promise<HistoryPage>): Promise<HistoryPage> {
      metrics.historyCache.inc({ result: 'bypass' });
      metrics.redisFallback.inc({ use: 'history_cache' });
      return load();
    }

    app.decorate('historyCache', cache);
  },
  { name: 'history-cache', dependencies: ['redis', 'metrics'] },
);
