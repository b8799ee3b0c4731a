import { settlesWithin } from '@wallet/async';
import type { LedgerStore } from '@wallet/ledger';

/** Readiness must answer before the kubelet's probe timeout even when the database hangs. */
export const DATABASE_PING_TIMEOUT_MS = 1000;

export type DependencyState = 'up' | 'down';

export interface Readiness {
  /** 200 when true, 503 otherwise. */
  ready: boolean;
  status: 'ok' | 'degraded' | 'unavailable' | 'draining';
  checks: { database: DependencyState; redis: DependencyState };
}

export interface HealthSources {
  store: LedgerStore;
  redisReady: () => boolean;
  draining: () => boolean;
}

/**
 * Readiness = the database answers within DATABASE_PING_TIMEOUT_MS and the process is not
 * draining. Redis down is "degraded", still ready: it is never needed for correctness.
 */
export class HealthService {
  readonly #sources: HealthSources;

  constructor(sources: HealthSources) {
    this.#sources = sources;
  }

  async readiness(): Promise<Readiness> {
    const database = (await settlesWithin(this.#sources.store.ping(), DATABASE_PING_TIMEOUT_MS)) ? 'up' : 'down';
    const checks = { database, redis: this.#sources.redisReady() ? 'up' : 'down' } as const;
    if (this.#sources.draining()) return { ready: false, status: 'draining', checks };
    if (database === 'down') return { ready: false, status: 'unavailable', checks };
    return { ready: true, status: checks.redis === 'up' ? 'ok' : 'degraded', checks };
  }
}
