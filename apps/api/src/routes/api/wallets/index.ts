import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WriteHeaders, problems } from '../../../schemas/common.js';
import {
  BalanceBody,
  BalanceResult,
  CreateWalletBody,
  WalletEnvelope,
  WalletList,
  WalletListQuery,
  WalletParams,
} from '../../../schemas/wallet.js';
import { sendWriteResult, writeOptionsOf } from '../../../lib/write-reply.js';
import { MONEY_WRITE_PROBLEMS, moneyWriteConfig } from '../../../lib/write-route.js';

const tags = ['wallets'];

/** What credit and debit may answer besides 200. */
const BALANCE_PROBLEMS = problems(...MONEY_WRITE_PROBLEMS, 'balance_limit_exceeded');

/** Wallets of the caller: create, list, read (with ETag), credit and debit. */
export default async function walletRoutes(fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', fastify.authenticate);
  await fastify.register(walletResourceRoutes);
  await fastify.register(balanceRoutes);
}

/** Create, list (paged) and read. */
async function walletResourceRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
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
      schema: {
        tags,
        summary: "The caller's wallets, oldest first, paged",
        querystring: WalletListQuery,
        response: { 200: WalletList, ...problems('validation_failed') },
      },
    },
    async (request) => {
      const page = await app.ledger.listWallets(request.caller.userId, request.query);
      return { data: page.items, nextCursor: page.nextCursor };
    },
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
}

/** Credit and debit: two routes, each calling its own ledger method. */
async function balanceRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const optionsOf = (auditAction: 'wallet.credit' | 'wallet.debit', summary: string) => ({
    config: moneyWriteConfig(app, auditAction),
    schema: {
      tags,
      summary,
      headers: WriteHeaders,
      body: BalanceBody,
      response: { 200: BalanceResult, ...BALANCE_PROBLEMS },
    },
  });

  app.post('/credit', optionsOf('wallet.credit', 'Add money to a wallet'), async (request, reply) => {
    const result = await app.ledger.credit(request.caller, request.body, writeOptionsOf(request));
    return sendWriteResult(request, reply, result);
  });

  app.post('/debit', optionsOf('wallet.debit', 'Take money from a wallet'), async (request, reply) => {
    const result = await app.ledger.debit(request.caller, request.body, writeOptionsOf(request));
    return sendWriteResult(request, reply, result);
  });
}
