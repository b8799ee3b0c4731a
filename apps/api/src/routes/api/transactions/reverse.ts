import type { FastifyInstance } from 'fastify';
import { ReverseBody, ReverseResult, TransactionParams } from '../../../schemas/hold.js';
import { postResourceWrite } from '../resource-write.js';

/**
 * Reversals (refunds): move part or all of a ledger entry back as a `reversal` entry, never
 * more than the entry in total. Who may reverse what is the ledger's rule (DESIGN.md §3).
 */
export default async function reverseRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.authenticate);

  postResourceWrite(
    app,
    '/:transactionId/reverse',
    {
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
    },
    (caller, { transactionId }, body, options) => app.ledger.reverseTransaction(caller, transactionId, body, options),
  );
}
