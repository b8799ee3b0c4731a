import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ReverseBody, ReverseResult, TransactionParams } from '../../../schemas/hold.js';
import { sendKeyedWrite } from '../../../lib/keyed-write.js';
import { resourceWriteOptions } from '../../../lib/write-route.js';

/**
 * Reversals (refunds): move part or all of a ledger entry back as a `reversal` entry, never
 * more than the entry in total. Who may reverse what is the ledger's rule (DESIGN.md §3).
 */
export default async function reverseRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/:transactionId/reverse',
    resourceWriteOptions(app, {
      auditAction: 'transaction.reverse',
      tags: ['transactions'],
      summary: 'Reverse (refund) a ledger entry, whole or in part',
      params: TransactionParams,
      body: ReverseBody,
      result: ReverseResult,
      problems: [
        'transaction_not_found',
        'insufficient_funds',
        'not_reversible',
        'reversal_exceeds_original',
        'balance_limit_exceeded',
      ],
    }),
    async (request, reply) =>
      sendKeyedWrite(request, reply, (options) =>
        app.ledger.reverseTransaction(request.caller, request.params.transactionId, request.body, options),
      ),
  );
}
