import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

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
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
