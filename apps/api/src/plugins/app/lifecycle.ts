import fp from 'fastify-plugin';
import { LedgerError } from '@wallet/ledger';

/** Drain state (DESIGN.md §4.6): set by main.ts on SIGTERM, read by readiness and the 503 gate. */
export interface Lifecycle {
  readonly draining: boolean;
  beginDrain(): void;
}

/** Probes keep answering during the drain: readiness reports "draining" (503), liveness stays 200. */
const PROBE_PREFIX = '/health/';

export default fp(
  async function lifecyclePlugin(app) {
    let draining = false;
    app.decorate('lifecycle', {
      get draining() {
        return draining;
      },
      beginDrain() {
        draining = true;
      },
    } satisfies Lifecycle);
    // A root onRequest hook: runs before auth and rate limit, so a draining process does no work for new requests.
    app.addHook('onRequest', async (request, reply) => {
      if (!draining || request.url.startsWith(PROBE_PREFIX)) return;
      reply.header('connection', 'close');
      throw new LedgerError('service_unavailable', 'the server is shutting down; retry the request', {
        retryAfterSeconds: 1,
      });
    });
  },
  { name: 'lifecycle' },
);
