import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/**
 * The one table of OpenAPI `operationId`s, keyed by `METHOD /openapi/path`. Generators name
 * their methods after these ids, so they never change once published; a route missing here
 * fails `apps/api/test/openapi-operation-ids.test.ts`, and so does an entry naming no route.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'POST /api/wallets': 'createWallet',
  'GET /api/wallets': 'listWallets',
  'GET /api/wallets/{walletId}': 'getWallet',
  'POST /api/wallets/credit': 'creditWallet',
  'POST /api/wallets/debit': 'debitWallet',
  'POST /api/transfers': 'createTransfer',
  'GET /api/transactions': 'listTransactions',
  'POST /api/transactions/{transactionId}/reverse': 'reverseTransaction',
  'POST /api/holds': 'createHold',
  'GET /api/holds': 'listHolds',
  'GET /api/holds/{holdId}': 'getHold',
  'POST /api/holds/{holdId}/capture': 'captureHold',
  'POST /api/holds/{holdId}/void': 'voidHold',
  'POST /api/webhooks': 'createWebhook',
  'GET /api/webhooks': 'listWebhooks',
  'GET /api/webhooks/{id}': 'getWebhook',
  'DELETE /api/webhooks/{id}': 'deleteWebhook',
  'GET /api/admin/audit': 'listAuditEvents',
  'GET /api/admin/reconciliation': 'getReconciliationReport',
  'GET /api/admin/dead-letters': 'listDeadLetters',
  'POST /api/admin/dead-letters/{id}/retry': 'retryDeadLetter',
  'GET /health/live': 'getLiveness',
  'GET /health/ready': 'getReadiness',
  'GET /metrics': 'getMetrics',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Sets each operation's id from OPERATION_IDS (an id already in a route schema wins). */
export function assignOperationIds<T extends { paths?: object }>(document: T): T {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = (item as Record<string, { operationId?: string } | undefined>)[method];
      const id = OPERATION_IDS[`${method.toUpperCase()} ${path}`];
      if (operation && id && operation.operationId === undefined) operation.operationId = id;
    }
  }
  return document;
}

/** The contract published at /openapi.json and /docs, generated from the route schemas. */
export function apiDescription(idempotencyTtlSeconds: number): string {
  return [
    'Wallet/ledger API: amounts are integers in minor units; errors are RFC 9457 `application/problem+json` with a stable `code`.',
    '',
    '**Idempotency.** `POST /api/wallets/credit`, `/api/wallets/debit`, `/api/transfers`, `/api/holds`,',
    '`/api/holds/{holdId}/capture`, `/api/holds/{holdId}/void` and `/api/transactions/{transactionId}/reverse` require an',
    '`Idempotency-Key` header (1-255 visible ASCII characters); `POST /api/wallets` accepts one. Keys are scoped per user (the token `sub`) and remembered',
    `for ${idempotencyTtlSeconds} seconds (IDEMPOTENCY_TTL_SECONDS). The same key with the same request returns the original status`,
    'and body byte for byte with `Idempotent-Replayed: true`; with a different request, 422 `idempotency_key_reused`; while the',
    'first request is still running, 409 `idempotency_key_in_flight` with `Retry-After`. Remembered outcomes: 2xx and the business',
    'refusals `insufficient_funds`, `balance_limit_exceeded`, `currency_mismatch`, `wallet_exists`, `hold_not_active`, `hold_expired`,',
    '`capture_exceeds_hold`, `not_reversible`, `reversal_exceeds_original`. Not remembered (retry with the same key): validation',
    'errors, 401, 404, 409 `concurrent_modification`/in-flight, 412, 429 and 5xx.',
    '',
    '**Holds.** A hold reserves part of `availableBalance` (`heldBalance` grows, `balance` does not); it is captured once (whole or',
    'in part, the rest released; optionally into another wallet of the same currency), voided, or expires at `expiresAt` (the',
    "database's clock), after which capture and void answer 409 `hold_expired` and the worker releases it within 10 s.",
    '',
    '**Concurrency.** Wallet reads send `ETag: "<version>"`; writes accept `If-Match: "<version>"` (412 `version_mismatch`).',
  ].join('\n');
}

export default fp(
  async function swaggerPlugin(app) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Wallet service API',
          version: '1.0.0',
          description: apiDescription(app.config.IDEMPOTENCY_TTL_SECONDS),
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      // A registered schema (schemas/shared.ts) is published under its own `$id`, e.g.
      // `#/components/schemas/Wallet`, rather than the default `def-<n>`.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      transformObject: (documentObject) =>
        'openapiObject' in documentObject
          ? assignOperationIds(documentObject.openapiObject)
          : documentObject.swaggerObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
