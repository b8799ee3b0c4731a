import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { problems } from '../../../schemas/common.js';
import { HistoryPage, HistoryQuery } from '../../../schemas/transaction.js';

const DEFAULT_PAGE_SIZE = 20;

/** A wallet's ledger entries, newest first, with opaque cursors; pages are cached (see history-cache.ts). */
export default async function transactionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.get('/', {
    schema: { tags: ['transactions'], summary: 'Transaction history of one wallet', querystring: HistoryQuery, response: { 200: HistoryPage, ...problems('validation_failed', 'wallet_not_found') } },
  }, async (request) => {
    const { walletId, cursor } = request.query;
    const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
    const userId = request.caller.userId;
    const { wallet, beforeSeq } = await app.ledger.resolveHistory(userId, walletId, cursor);
    const page = await app.historyCache.page({ walletId, limit, version: wallet.version, beforeSeq }, () =>
      app.ledger.readHistory(userId, walletId, limit, beforeSeq),
    );
    return { data: page.items, nextCursor: page.nextCursor };
  });
}
