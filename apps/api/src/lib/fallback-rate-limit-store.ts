import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1];

/** Per-process counters kept while Redis is down; the oldest windows are evicted beyond this many keys. */
const LOCAL_KEYS_MAX = 10_000;

export interface FallbackDeps {
  /** The Redis counter (a script called by SHA): count and remaining ms of the key's window. */
  incr: (key: string, windowMs: number) => Promise<{ current: number; ttl: number }>;
  isReady: () => boolean;
  /** Key namespace, e.g. "wallet:rl:". */
  namespace: string;
  onFallback: () => void;
}

/** Fixed windows in process memory, the fallback while Redis is unreachable. */
export class LocalCounters {
  readonly #windows = new Map<string, { count: number; resetAtMs: number }>();

  incr(key: string, windowMs: number): { current: number; ttl: number } {
    const nowMs = Date.now();
    let entry = this.#windows.get(key);
    if (!entry || entry.resetAtMs <= nowMs) {
      this.#windows.delete(key);
      if (this.#windows.size >= LOCAL_KEYS_MAX) this.#windows.delete(this.#windows.keys().next().value!);
      entry = { count: 0, resetAtMs: nowMs + windowMs };
      this.#windows.set(key, entry);
    }
    entry.count += 1;
    return { current: entry.count, ttl: entry.resetAtMs - nowMs };
  }
}

/**
 * Fixed-window counters in Redis; when Redis is unavailable, the same limit per process
 * (neither fail open nor fail closed, DESIGN.md §4.7). With N API processes the fallback
 * budget is N times the configured one: the price of staying up.
 */
export class FallbackRateLimitStore implements FastifyRateLimitStore {
  readonly #deps: FallbackDeps;
  readonly #local: LocalCounters;
  readonly #namespace: string;

  constructor(deps: FallbackDeps, local: LocalCounters, namespace: string) {
    this.#deps = deps;
    this.#local = local;
    this.#namespace = namespace;
  }

  incr(key: string, callback: IncrCallback, windowMs: number): void {
    const fullKey = this.#namespace + key;
    if (!this.#deps.isReady()) {
      this.#fallback(fullKey, callback, windowMs);
      return;
    }
    this.#deps.incr(fullKey, windowMs).then(
      (counted) => callback(null, counted),
      () => this.#fallback(fullKey, callback, windowMs),
    );
  }

  /** Routes with a groupId share one budget (all money-moving routes); others get their own. */
  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    // At run time the plugin passes its merged route parameters, not the declared RouteOptions.
    const params = routeOptions as unknown as { groupId?: string; routeInfo?: { method?: string; url?: string } };
    const scope = params.groupId ?? `${params.routeInfo?.method ?? ''}${params.routeInfo?.url ?? ''}`;
    return new FallbackRateLimitStore(this.#deps, this.#local, `${this.#deps.namespace}${scope}:`);
  }

  #fallback(key: string, callback: IncrCallback, windowMs: number): void {
    this.#deps.onFallback();
    callback(null, this.#local.incr(key, windowMs));
  }
}

/** The constructor @fastify/rate-limit instantiates (`store` option), bound to our client. */
export function fallbackRateLimitStore(deps: FallbackDeps): FastifyRateLimitStoreCtor {
  const local = new LocalCounters();
  return class BoundStore extends FallbackRateLimitStore {
    constructor() {
      super(deps, local, deps.namespace);
    }
  };
}
