import type { FastifyInstance } from 'fastify';

/** Prometheus scrape endpoint (text exposition format), from the API's own registry. */
export default async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [] } },
    async (_request, reply) => {
      const { registry } = app.metrics;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}
