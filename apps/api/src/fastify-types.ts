import type { Config } from '@wallet/config';
import type { Caller, LedgerService, LedgerStore, Operation } from '@wallet/ledger';
import type { ApiMetrics } from './plugins/external/metrics.js';
import type { HistoryCache } from './plugins/app/history-cache.js';
import type { IdempotencyState } from './plugins/app/idempotency.js';
import type { Lifecycle } from './plugins/app/lifecycle.js';
import type { RefusalAudit } from './plugins/app/audit.js';

/** What the plugins add to Fastify's types; imported once by app.ts for its side effect on types only. */
declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    store: LedgerStore;
    ledger: LedgerService;
    metrics: ApiMetrics;
    lifecycle: Lifecycle;
    historyCache: HistoryCache;
    auditRefusal: RefusalAudit;
    /** onRequest hook: verifies the bearer token and sets request.caller, or answers 401. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** onRequest hook after authenticate: 403 forbidden unless the token has roles: ["admin"]. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    /** Set by `authenticate`; null on anonymous routes (health, metrics, docs). */
    caller: Caller;
    isAdmin: boolean;
    /** Set by the idempotency plugin when the request carries an Idempotency-Key. */
    idempotency: IdempotencyState | null;
  }
  interface FastifyContextConfig {
    /** Idempotency-Key policy of a write route. */
    idempotency?: 'required' | 'optional';
    /** The ledger operation of a write route: its audit action and its fingerprint's operation. */
    auditAction?: Operation;
  }
}

export {};
