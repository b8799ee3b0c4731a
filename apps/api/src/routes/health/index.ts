import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Liveness, Readiness } from '../../schemas/health.js';

/** Probes: liveness = the process serves; readiness = app.health (database answers, not draining). */
export default async function healthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const schemaOf = (summary: string, response: object) => ({ tags: ['operations'], summary, security: [], response });

  app.get('/live', { schema: schemaOf('Liveness probe', { 200: Liveness }) }, async () => ({ status: 'ok' as const }));

  app.get(
    '/ready',
    {
      schema: schemaOf('Readiness probe: 503 when the database is down or the process drains', {
        200: Readiness,
        503: Readiness,
      }),
    },
    async (_request, reply) => {
      const { ready, status, checks } = await app.health.readiness();
      return reply.code(ready ? 200 : 503).send({ status, checks });
    },
  );
}
