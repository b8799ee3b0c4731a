import fp from 'fastify-plugin';
import { LedgerError } from '@wallet/ledger';
import { ConnectionTracker, type DrainReport } from '../../lib/connections.js';

/**
 * The lame-duck drain of DESIGN.md §4.6, driven by main.ts on SIGTERM. `beginDrain()` turns
 * readiness off and changes nothing else: every request is still served normally while the
 * endpoints drop the pod. `stopAccepting()` then closes the listener, answers every request
 * already received (with `Connection: close`), turns away with 503 a request that arrives on
 * a kept-alive connection after that point, closes idle connections, and resolves when none
 * is left or at the deadline.
 */
export interface Lifecycle {
  /** Readiness is off (SIGTERM received). */
  readonly draining: boolean;
  beginDrain(): void;
  /**
   * Resolves when every connection is closed; at `deadlineAt` (epoch ms) the stragglers are
   * destroyed. A connection accepted but silent gets up to `firstRequestWaitMs` to send its request.
   */
  stopAccepting(deadlineAt: number, firstRequestWaitMs: number): Promise<DrainReport>;
}

export default fp(
  async function lifecyclePlugin(app) {
    let draining = false;
    const connections = new ConnectionTracker(app.server);
    app.decorate('lifecycle', {
      get draining() {
        return draining;
      },
      beginDrain() {
        draining = true;
      },
      async stopAccepting(deadlineAt: number, firstRequestWaitMs: number) {
        draining = true;
        return connections.drain(deadlineAt, firstRequestWaitMs);
      },
    } satisfies Lifecycle);
    // A root onRequest hook: runs before auth and rate limit, so a turned-away request costs nothing.
    app.addHook('onRequest', async (request, reply) => {
      if (!connections.stopping) return;
      reply.header('connection', 'close');
      if (!connections.arrivedAfterStop(request.raw)) return;
      throw new LedgerError('service_unavailable', 'the server is shutting down; retry the request', {
        retryAfterSeconds: 1,
      });
    });
  },
  { name: 'lifecycle' },
);
