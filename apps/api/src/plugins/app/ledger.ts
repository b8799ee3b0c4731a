import { createHmac } from 'node:crypto';
import fp from 'fastify-plugin';
import { ledgerOptionsFrom } from '@wallet/stores';
import { LedgerService, type LedgerStore } from '@wallet/ledger';
import type { Config } from '@wallet/config';

export interface LedgerPluginOptions {
  store: LedgerStore;
}

/**
 * History and list cursors are HMAC-signed with a key derived from CURSOR_SECRET, or, when it
 * is unset, from JWT_SECRET, so one secret is enough to run the API with HS256. A public key
 * is never used: anyone could derive the key from it and forge cursors, so config refuses to
 * start with JWT_PUBLIC_KEY and no CURSOR_SECRET, and this refuses too.
 */
export function cursorSecretFor(config: Pick<Config, 'CURSOR_SECRET' | 'JWT_SECRET'>): Buffer {
  const material = config.CURSOR_SECRET ?? config.JWT_SECRET;
  if (!material) throw new Error('CURSOR_SECRET is required when the JWT key is public');
  return createHmac('sha256', material).update('wallet-api/history-cursor/v1').digest();
}

/** Decorates `app.store` and `app.ledger`; migrates at start (`store.ready()`), closes at the end. */
export default fp<LedgerPluginOptions>(
  async function ledgerPlugin(app, options) {
    const { config } = app;
    await options.store.ready();
    const ledger = new LedgerService(
      options.store,
      ledgerOptionsFrom(config, { cursorSecret: cursorSecretFor(config), observer: app.metrics.observer }),
    );
    app.decorate('store', options.store);
    app.decorate('ledger', ledger);
    app.addHook('onClose', async () => options.store.close());
  },
  { name: 'ledger', dependencies: ['metrics'] },
);
