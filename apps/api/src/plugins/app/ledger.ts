import { createHmac } from 'node:crypto';
import fp from 'fastify-plugin';
import { LedgerService, type LedgerStore } from '@wallet/ledger';
import type { Config } from '@wallet/config';

export interface LedgerPluginOptions {
  store: LedgerStore;
}

/**
 * History cursors are HMAC-signed with a key derived from the JWT key material, so one
 * secret is enough to run the API. With JWT_PUBLIC_KEY the input is public: a client could
 * then forge a cursor, but cursors are bound to the caller's own wallet (ownership is
 * checked on every read), so a forged one only pages the caller's own history.
 */
export function cursorSecretFor(config: Config): Buffer {
  const material = config.JWT_SECRET ?? config.JWT_PUBLIC_KEY ?? '';
  return createHmac('sha256', material).update('wallet-api/history-cursor/v1').digest();
}

/** Decorates `app.store` and `app.ledger`; migrates at start (`store.ready()`), closes at the end. */
export default fp<LedgerPluginOptions>(
  async function ledgerPlugin(app, options) {
    const { config } = app;
    await options.store.ready();
    const ledger = new LedgerService(options.store, {
      maxAmountMinor: config.MAX_AMOUNT,
      retry: { attempts: config.LEDGER_RETRY_ATTEMPTS, backoffMs: config.LEDGER_RETRY_BASE_MS },
      idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
      holdDefaultTtlSeconds: config.HOLD_DEFAULT_TTL_SECONDS,
      holdMaxTtlSeconds: config.HOLD_MAX_TTL_SECONDS,
      cursorSecret: cursorSecretFor(config),
      observer: app.metrics.observer,
    });
    app.decorate('store', options.store);
    app.decorate('ledger', ledger);
    app.addHook('onClose', async () => options.store.close());
  },
  { name: 'ledger', dependencies: ['metrics'] },
);
