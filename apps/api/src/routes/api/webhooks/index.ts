import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LedgerError, type WebhookEndpoint as Endpoint } from '@wallet/ledger';
import { checkWebhookUrl, generateWebhookSecret } from '@wallet/queue';
import { problems } from '../../../schemas/common.js';
import {
  CreateWebhookBody,
  CreatedWebhookEnvelope,
  WebhookEnvelope,
  WebhookList,
  WebhookParams,
} from '../../../schemas/webhooks.js';

const tags = ['webhooks'];
/** Endpoints per user: each event fans out to all of them, so the count bounds the work per event. */
export const WEBHOOKS_PER_USER_MAX = 20;

const publicEndpoint = ({ secret: _secret, userId: _userId, ...endpoint }: Endpoint) => endpoint;

/**
 * The caller's webhook endpoints. The URL is checked (http/https, public addresses only
 * unless WEBHOOK_ALLOW_PRIVATE) here and again by the worker before every delivery. The
 * secret is returned by POST only; another user's endpoint answers 404.
 */
export default async function webhookRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Register a webhook endpoint; the signing secret is shown once',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhookEnvelope, ...problems('validation_failed') },
      },
    },
    async (request, reply) => {
      const userId = request.caller.userId;
      const check = await checkWebhookUrl(request.body.url, { allowPrivate: app.config.WEBHOOK_ALLOW_PRIVATE });
      if (!check.ok) throw new LedgerError('validation_failed', check.reason);
      const existing = await app.store.listWebhooks(userId);
      if (existing.length >= WEBHOOKS_PER_USER_MAX) {
        throw new LedgerError('validation_failed', `at most ${WEBHOOKS_PER_USER_MAX} webhook endpoints per user`);
      }
      const endpoint: Endpoint = {
        id: randomUUID(),
        userId,
        url: check.url.href,
        events: request.body.events ?? [],
        secret: generateWebhookSecret(),
        createdAt: new Date().toISOString(),
      };
      await app.store.createWebhook(endpoint);
      return reply.code(201).send({ data: { ...publicEndpoint(endpoint), secret: endpoint.secret } });
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "The caller's webhook endpoints (without secrets)",
        response: { 200: WebhookList, ...problems() },
      },
    },
    async (request) => ({
      data: (await app.store.listWebhooks(request.caller.userId)).map(publicEndpoint),
      nextCursor: null,
    }),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One webhook endpoint (without its secret)',
        params: WebhookParams,
        response: { 200: WebhookEnvelope, ...problems('validation_failed', 'not_found') },
      },
    },
    async (request) => {
      const endpoint = await app.store.getWebhook(request.caller.userId, request.params.id);
      if (!endpoint) throw new LedgerError('not_found', 'no such webhook endpoint');
      return { data: publicEndpoint(endpoint) };
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint; pending deliveries to it are dropped',
        params: WebhookParams,
        response: { 204: { type: 'null', description: 'deleted' }, ...problems('validation_failed', 'not_found') },
      },
    },
    async (request, reply) => {
      const deleted = await app.store.deleteWebhook(request.caller.userId, request.params.id);
      if (!deleted) throw new LedgerError('not_found', 'no such webhook endpoint');
      return reply.code(204).send();
    },
  );
}
