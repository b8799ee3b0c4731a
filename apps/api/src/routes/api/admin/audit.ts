import type { FastifyInstance } from 'fastify';
import { PAGE_LIMIT_DEFAULT, problems } from '../../../schemas/common.js';
import { adminOnly } from '../../../lib/admin-routes.js';
import { AuditPage, AuditQuery } from '../../../schemas/audit.js';

/** The append-only audit trail, newest first; admin only. */
export default async function auditRoutes(fastify: FastifyInstance): Promise<void> {
  const app = adminOnly(fastify);

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
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const page = await app.auditTrail.page({ limit, cursor: request.query.cursor });
      return { data: page.items, nextCursor: page.nextCursor };
    },
  );
}
