import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { problems } from '../../../schemas/common.js';
import { AuditPage, AuditQuery } from '../../../schemas/audit.js';

const DEFAULT_PAGE_SIZE = 20;

/** The append-only audit trail, newest first; admin only. */
export default async function auditRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Audit trail of every write attempt',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...problems('validation_failed', 'forbidden') },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
      const page = await app.auditTrail.page({ limit, cursor: request.query.cursor });
      return { data: page.items, nextCursor: page.nextCursor };
    },
  );
}
