import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WriteHeaders, problems } from '../../../schemas/common.js';
import { TransferBody, TransferResult } from '../../../schemas/transfer.js';
import { sendWriteResult, writeOptionsOf } from '../../../lib/write-reply.js';
import { MONEY_WRITE_PROBLEMS, moneyWriteConfig } from '../../../lib/write-route.js';

/** Transfers between two wallets of the same currency; the destination may belong to another user. */
export default async function transferRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/',
    {
      config: moneyWriteConfig(app, 'transfer.create'),
      schema: {
        tags: ['transfers'],
        summary: 'Move money between two wallets (If-Match applies to the source wallet)',
        headers: WriteHeaders,
        body: TransferBody,
        response: {
          200: TransferResult,
          ...problems(...MONEY_WRITE_PROBLEMS, 'currency_mismatch', 'same_wallet', 'balance_limit_exceeded'),
        },
      },
    },
    async (request, reply) => {
      const options = writeOptionsOf(request);
      const result = await app.ledger.transfer(request.caller, request.body, options);
      return sendWriteResult(request, reply, result);
    },
  );
}
