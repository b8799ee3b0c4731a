import type { FastifyInstance } from 'fastify';
import healthRoutes from './health/index.js';
import metricsRoutes from './metrics.js';
import walletRoutes from './api/wallets/index.js';
import transferRoutes from './api/transfers/index.js';
import transactionRoutes from './api/transactions/index.js';
import reverseRoutes from './api/transactions/reverse.js';
import holdRoutes from './api/holds/index.js';
import auditRoutes from './api/admin/audit.js';
import webhookRoutes from './api/webhooks/index.js';
import operationsRoutes from './api/admin/operations.js';

/**
 * The single place that registers every route plugin. One line per resource: a helper that
 * adds a resource adds its import above and its `register` line below. Every `/api` plugin
 * authenticates itself (`fastify.addHook('onRequest', fastify.authenticate)`), and admin
 * plugins add `fastify.requireAdmin` after it.
 */
export default async function routes(app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes, { prefix: '/health' });
  await app.register(metricsRoutes);
  await app.register(walletRoutes, { prefix: '/api/wallets' });
  await app.register(transferRoutes, { prefix: '/api/transfers' });
  await app.register(transactionRoutes, { prefix: '/api/transactions' });
  await app.register(reverseRoutes, { prefix: '/api/transactions' });
  await app.register(holdRoutes, { prefix: '/api/holds' });
  await app.register(auditRoutes, { prefix: '/api/admin' });
  await app.register(webhookRoutes, { prefix: '/api/webhooks' });
  await app.register(operationsRoutes, { prefix: '/api/admin' });
}
