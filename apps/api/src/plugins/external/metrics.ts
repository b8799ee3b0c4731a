import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerObserver } from '@wallet/ledger';

/** Every metric the API exports, on its own Registry (several apps may share a test process). */
export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  ledgerOperations: Counter<'operation' | 'outcome'>;
  casConflicts: Counter;
  casRetries: Counter;
  casExhausted: Counter;
  balanceBatchSize: Histogram;
  idempotency: Counter<'result'>;
  redisFallback: Counter<'use'>;
  historyCache: Counter<'result'>;
  rateLimited: Counter;
  observer: LedgerObserver;
}

/** Commands per store call of a credit or debit: 1 is the single path, up to BALANCE_BATCH_MAX (1000). */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];

/** Latency buckets in seconds: 1 ms .. 5 s covers cached reads through slow transfers. */
const HTTP_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wallet_api_' });
  const registers = [registry];
  const counter = <T extends string>(name: string, help: string, labelNames: T[] = []) =>
    new Counter<T>({ name, help, labelNames, registers });
  const metrics: Omit<ApiMetrics, 'observer'> = {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS_S,
      registers,
    }),
    ledgerOperations: counter('ledger_operations_total', 'ledger writes by operation and outcome', [
      'operation',
      'outcome',
    ]),
    casConflicts: counter('ledger_cas_conflicts_total', 'wallet version conflicts seen by the ledger'),
    casRetries: counter('ledger_cas_retries_total', 'writes retried after a version conflict'),
    casExhausted: counter(
      'ledger_cas_exhausted_total',
      'writes refused with concurrent_modification after the last attempt',
    ),
    balanceBatchSize: new Histogram({
      name: 'ledger_balance_batch_size',
      help: 'credits and debits of one wallet sent to the store in one call (1 = alone)',
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    }),
    idempotency: counter(
      'idempotency_requests_total',
      'Idempotency-Key lookups: hit (Redis replay), miss, in_flight, replayed_from_db',
      ['result'],
    ),
    redisFallback: counter(
      'redis_fallback_total',
      'Redis calls that failed and fell back (rate limit, idempotency, history cache)',
      ['use'],
    ),
    historyCache: counter('history_cache_total', 'history page cache: hit, miss, bypass (Redis down)', ['result']),
    rateLimited: counter('rate_limited_total', 'requests refused with 429'),
  };
  const observer: LedgerObserver = {
    onConflict: () => metrics.casConflicts.inc(),
    onRetry: () => metrics.casRetries.inc(),
    onExhausted: () => metrics.casExhausted.inc(),
    onBalanceBatch: (size) => metrics.balanceBatchSize.observe(size),
    onOutcome: (operation, outcome) => metrics.ledgerOperations.inc({ operation, outcome }),
  };
  return { ...metrics, observer };
}

/** Decorates `app.metrics` and times every request by its route pattern (never the raw URL: bounded label values). */
export default fp(
  async function metricsPlugin(app) {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: 'metrics' },
);
