import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PAGE_LIMIT_DEFAULT, problems } from '../../../schemas/common.js';
import {
  CaptureBody,
  CaptureResult,
  HoldEnvelope,
  HoldListQuery,
  HoldPage,
  HoldParams,
  HoldResult,
  HoldWriteHeaders,
  VoidBody,
  createHoldBody,
} from '../../../schemas/hold.js';
import { sendKeyedWrite } from '../../../lib/keyed-write.js';
import { KEYED_WRITE_PROBLEMS, moneyWriteConfig } from '../../../lib/write-route.js';
import { getResource } from '../resource-read.js';
import { postResourceWrite } from '../resource-write.js';

const tags = ['holds'];

/** A Fastify instance with the TypeBox type provider, as the route helpers below receive it. */
const typed = (fastify: FastifyInstance) => fastify.withTypeProvider<TypeBoxTypeProvider>();
type TypedApp = ReturnType<typeof typed>;

/**
 * Holds: reserve part of a wallet's available balance, then capture it (once, whole or in
 * part, optionally into another wallet) or void it; expiry is the worker's (hold-expiry.ts).
 */
export default async function holdRoutes(fastify: FastifyInstance): Promise<void> {
  const app = typed(fastify);
  app.addHook('onRequest', app.authenticate);
  createRoute(app);
  readRoutes(app);
  captureRoute(app);
  voidRoute(app);
}

function createRoute(app: TypedApp): void {
  app.post(
    '/',
    {
      config: moneyWriteConfig(app, 'hold.create'),
      schema: {
        tags,
        summary: "Reserve part of a wallet's available balance",
        headers: HoldWriteHeaders,
        body: createHoldBody(app.config.HOLD_MAX_TTL_SECONDS),
        response: {
          201: HoldResult,
          ...problems(...KEYED_WRITE_PROBLEMS, 'wallet_not_found', 'insufficient_funds'),
        },
      },
    },
    async (request, reply) =>
      sendKeyedWrite(request, reply, (options) => app.ledger.createHold(request.caller, request.body, options)),
  );
}

function readRoutes(app: TypedApp): void {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "A wallet's holds, newest first, optionally of one status",
        querystring: HoldListQuery,
        response: { 200: HoldPage, ...problems('validation_failed', 'wallet_not_found') },
      },
    },
    async (request) => {
      const { walletId, status, cursor } = request.query;
      const limit = request.query.limit ?? PAGE_LIMIT_DEFAULT;
      const page = await app.ledger.listHolds(request.caller.userId, { walletId, status, limit, cursor });
      return { data: page.items, nextCursor: page.nextCursor };
    },
  );

  getResource(
    app,
    '/:holdId',
    { tags, summary: 'One hold', params: HoldParams, result: HoldEnvelope, notFound: 'hold_not_found' },
    (userId, { holdId }) => app.ledger.getHold(userId, holdId),
  );
}

function captureRoute(app: TypedApp): void {
  postResourceWrite(
    app,
    '/:holdId/capture',
    {
      auditAction: 'hold.capture',
      tags,
      summary: 'Capture a hold once (whole or in part; the rest is released), optionally into another wallet',
      params: HoldParams,
      body: CaptureBody,
      result: CaptureResult,
      problems: [
        'hold_not_found',
        'wallet_not_found',
        'hold_not_active',
        'hold_expired',
        'capture_exceeds_hold',
        'currency_mismatch',
        'balance_limit_exceeded',
      ],
    },
    (caller, { holdId }, body, options) => app.ledger.captureHold(caller, holdId, body, options),
  );
}

function voidRoute(app: TypedApp): void {
  postResourceWrite(
    app,
    '/:holdId/void',
    {
      auditAction: 'hold.void',
      tags,
      summary: 'Release a hold without moving money',
      params: HoldParams,
      body: VoidBody,
      result: HoldResult,
      problems: ['hold_not_found', 'hold_not_active', 'hold_expired'],
    },
    (caller, { holdId }, body, options) => app.ledger.voidHold(caller, holdId, body, options),
  );
}
