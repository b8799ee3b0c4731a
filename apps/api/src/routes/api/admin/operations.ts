import type { FastifyInstance } from 'fastify';
import { LedgerError } from '@wallet/ledger';
import { DeadLetterCursorError } from '@wallet/queue';
import { PAGE_LIMIT_DEFAULT, problems } from '../../../schemas/common.js';
import { adminOnly } from '../../../lib/admin-routes.js';
import {
  DeadLetterEnvelope,
  DeadLetterPage,
  DeadLetterParams,
  DeadLetterQuery,
  ReconciliationEnvelope,
} from '../../../schemas/operations.js';
import queuesPlugin from '../../../plugins/app/queues.js';

const tags = ['admin'];
/** Seconds an admin client should wait when Redis is unreachable. */
const QUEUE_RETRY_AFTER_SECONDS = 5;

/** Maps anything but our own typed errors from a queue call to 503: Redis is the usual cause. */
async function queueCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DeadLetterCursorError) throw new LedgerError('validation_failed', error.message);
    if (error instanceof LedgerError) throw error;
    throw new LedgerError('service_unavailable', 'the job queue is unreachable; retry later', {
      retryAfterSeconds: QUEUE_RETRY_AFTER_SECONDS,
      cause: error,
    });
  }
}

/** Worker operations for admins: the dead-letter set and the last reconciliation report. */
export default async function operationsRoutes(fastify: FastifyInstance): Promise<void> {
  await fastify.register(queuesPlugin);
  const app = adminOnly(fastify);

  app.get(
    '/dead-letters',
    {
      schema: {
        tags,
        summary: 'Webhook jobs that exhausted their attempts, newest failure first',
        querystring: DeadLetterQuery,
        response: { 200: DeadLetterPage, ...problems('validation_failed', 'forbidden') },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const page = await queueCall(() => app.queues.listDeadLetters({ limit, cursor: request.query.cursor }));
      return { data: page.items, nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/dead-letters/:id/retry',
    {
      schema: {
        tags,
        summary: 'Re-drive a dead letter: back to waiting with a fresh set of attempts',
        params: DeadLetterParams,
        response: { 202: DeadLetterEnvelope, ...problems('validation_failed', 'forbidden', 'not_found') },
      },
    },
    async (request, reply) => {
      const letter = await queueCall(() => app.queues.retryDeadLetter(request.params.id));
      if (!letter) throw new LedgerError('not_found', 'no dead letter with this id');
      return reply.code(202).send({ data: letter });
    },
  );

  app.get(
    '/reconciliation',
    {
      schema: {
        tags,
        summary: 'The latest reconciliation report; data is null before the first run',
        response: { 200: ReconciliationEnvelope, ...problems('forbidden') },
      },
    },
    async () => ({ data: await app.reconciliation.latest() }),
  );
}
