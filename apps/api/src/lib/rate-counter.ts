import type { Counted } from './redis-scripts.js';

/** Per-process counters kept while Redis is down; the oldest windows are evicted beyond this many keys. */
const LOCAL_KEYS_MAX = 10_000;

/** Fixed windows in process memory, the fallback while Redis is unreachable. */
export class LocalCounters {
  readonly #windows = new Map<string, { count: number; resetAtMs: number }>();

  incr(key: string, windowMs: number): Counted {
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

export interface RateCounterDeps {
  isReady: () => boolean;
  onFallback: () => void;
}

/**
 * Fixed-window counters in Redis; when Redis is unavailable, the same limit per process
 * (neither fail open nor fail closed, DESIGN.md §4.7). With N API processes the fallback
 * budget is N times the configured one: the price of staying up.
 */
export class RateCounter {
  readonly #local = new LocalCounters();

  constructor(private readonly deps: RateCounterDeps) {}

  /**
   * Counts one hit of `key` through `viaRedis` (a script that counts, and may do the
   * request's other Redis lookup in the same round trip); when Redis is not ready or the
   * call fails, counts it per process instead, and the result carries nothing else.
   */
  async count<R extends Counted>(key: string, windowMs: number, viaRedis: () => Promise<R>): Promise<R | Counted> {
    if (this.deps.isReady()) {
      try {
        return await viaRedis();
      } catch {
        // Counted per process below; the other lookup is skipped (its own fallback applies).
      }
    }
    this.deps.onFallback();
    return this.#local.incr(key, windowMs);
  }
}
