import fp from 'fastify-plugin';
import { WebhookService } from '../../services/webhooks.js';
import { AuditTrailService } from '../../services/audit-trail.js';
import { ReconciliationService } from '../../services/reconciliation.js';
import { HealthService } from '../../services/health.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookService;
    auditTrail: AuditTrailService;
    reconciliation: ReconciliationService;
    health: HealthService;
  }
}

/**
 * The small services routes call besides `app.ledger` (money): webhook endpoints, the audit
 * trail, reconciliation reports and health. Routes never reach `app.store` themselves.
 */
export default fp(
  async function servicesPlugin(app) {
    const { store, config } = app;
    app.decorate('webhooks', new WebhookService(store, { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE }));
    app.decorate('auditTrail', new AuditTrailService(store));
    app.decorate('reconciliation', new ReconciliationService(store));
    app.decorate(
      'health',
      new HealthService({
        store,
        redisReady: () => app.redisFastPath.isReady(),
        draining: () => app.lifecycle.draining,
      }),
    );
  },
  { name: 'services', dependencies: ['ledger', 'redis', 'lifecycle'] },
);
