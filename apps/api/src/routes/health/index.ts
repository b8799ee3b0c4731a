import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Liveness, Readiness } from '../../schemas/health.js';

/** Readiness must answer before the kubelet's probe timeout even when the database hangs. */
const DATABASE_PING_TIMEOUT_MS = 1000;

/** Probes: liveness = the process serves; readiness = the database answers and we are not draining. */
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
      const database = (await pingWithin(() => app.store.ping(), DATABASE_PING_TIMEOUT_MS)) ? 'up' : 'down';
      const redis = app.apiRedis.isReady() ? 'up' : 'down';
      const checks = { database, redis } as const;
      if (app.lifecycle.draining) return reply.code(503).send({ status: 'draining', checks });
      if (database === 'down') return reply.code(503).send({ status: 'unavailable', checks });
      return { status: redis === 'up' ? 'ok' : 'degraded', checks };
    },
  );
}

async function pingWithin(ping: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  try {
    return await Promise.race([
      ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
