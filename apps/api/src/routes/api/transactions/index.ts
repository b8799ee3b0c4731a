import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PAGE_LIMIT_DEFAULT, problems } from '../../../schemas/common.js';
import { HistoryPage, HistoryQuery } from '../../../schemas/transaction.js';

/** A string sent with a JSON content type goes out as is (Fastify does not serialize it again). */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A wallet's ledger entries, newest first, with opaque cursors; pages are cached (see history-cache.ts). */
export default async function transactionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/',
    {
      // The rate limit is counted with the page lookup, in one Redis round trip (history-cache.ts).
      config: { rateLimitInHandler: true },
      schema: {
        tags: ['transactions'],
        summary: 'Transaction history of one wallet',
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...problems('validation_failed', 'wallet_not_found') },
      },
    },
    async (request, reply) => {
      const { walletId, cursor } = request.query;
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const userId = request.caller.userId;
      const { wallet, beforeSeq } = await app.ledger.resolveHistory(userId, walletId, cursor);
      // The body is serialized once, by the 200 schema's serializer, and cached as those bytes.
      const position = { walletId, limit, version: wallet.version, beforeSeq };
      const body = await app.historyCache.page(request, reply, position, async () => {
        const page = await app.ledger.readHistory(userId, walletId, limit, beforeSeq);
        return String(reply.serialize({ data: page.items, nextCursor: page.nextCursor }));
      });
      // Already the 200 schema's output: sent through the untyped reply so it is not checked as an object.
      const untyped: FastifyReply = reply;
      return untyped.type(JSON_CONTENT_TYPE).send(body);
    },
  );
}
