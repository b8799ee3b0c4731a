import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WriteHeaders, problems } from '../../../schemas/common.js';
import {
  BalanceBody,
  BalanceResult,
  CreateWalletBody,
  WalletEnvelope,
  WalletList,
  WalletParams,
} from '../../../schemas/wallet.js';
import { sendWriteResult, writeOptionsOf } from '../../../lib/write-reply.js';
import { writeRateLimit } from '../../../plugins/external/rate-limit.js';

const tags = ['wallets'];

/** Wallets of the caller: create, list, read (with ETag), credit and debit. */
export default async function walletRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  const writeLimit = writeRateLimit(app.config.RATE_LIMIT_WRITE_MAX, app.config.RATE_LIMIT_WINDOW_MS);

  app.post(
    '/',
    {
      config: { idempotency: 'optional', auditAction: 'wallet.create' },
      schema: {
        tags,
        summary: 'Create a wallet (one per user per currency)',
        headers: WriteHeaders,
        body: CreateWalletBody,
        response: {
          201: WalletEnvelope,
          ...problems(
            'validation_failed',
            'idempotency_key_invalid',
            'wallet_exists',
            'idempotency_key_in_flight',
            'idempotency_key_reused',
          ),
        },
      },
    },
    async (request, reply) => {
      const result = await app.ledger.createWallet(request.caller, request.body, writeOptionsOf(request));
      return sendWriteResult(request, reply, result);
    },
  );

  app.get(
    '/',
    {
      schema: { tags, summary: "The caller's wallets", response: { 200: WalletList, ...problems() } },
    },
    async (request) => ({ data: await app.ledger.listWallets(request.caller.userId), nextCursor: null }),
  );

  app.get(
    '/:walletId',
    {
      schema: {
        tags,
        summary: 'One wallet; ETag is its version',
        params: WalletParams,
        response: { 200: WalletEnvelope, ...problems('validation_failed', 'wallet_not_found') },
      },
    },
    async (request, reply) => {
      const wallet = await app.ledger.getWallet(request.caller.userId, request.params.walletId);
      reply.header('etag', `"${wallet.version}"`);
      return { data: wallet };
    },
  );

  for (const kind of ['credit', 'debit'] as const) {
    app.post(
      `/${kind}`,
      {
        config: { idempotency: 'required', auditAction: `wallet.${kind}`, rateLimit: writeLimit },
        schema: {
          tags,
          summary: kind === 'credit' ? 'Add money to a wallet' : 'Take money from a wallet',
          headers: WriteHeaders,
          body: BalanceBody,
          response: {
            200: BalanceResult,
            ...problems(
              'validation_failed',
              'idempotency_key_required',
              'idempotency_key_invalid',
              'wallet_not_found',
              'insufficient_funds',
              'concurrent_modification',
              'idempotency_key_in_flight',
              'version_mismatch',
              'payload_too_large',
              'idempotency_key_reused',
              'balance_limit_exceeded',
            ),
          },
        },
      },
      async (request, reply) => {
        const options = writeOptionsOf(request);
        const result = await app.ledger[kind](request.caller, request.body, options);
        return sendWriteResult(request, reply, result);
      },
    );
  }
}
