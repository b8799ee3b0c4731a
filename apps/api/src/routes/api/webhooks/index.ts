import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { problems } from '../../../schemas/common.js';
import {
  CreateWebhookBody,
  CreatedWebhookEnvelope,
  WebhookEnvelope,
  WebhookList,
  WebhookParams,
} from '../../../schemas/webhooks.js';
import { getResource } from '../resource-read.js';

const tags = ['webhooks'];

/**
 * The caller's webhook endpoints (app.webhooks: URL guard, per-user cap). The secret is
 * returned by POST only; another user's endpoint answers 404.
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
        response: {
          201: CreatedWebhookEnvelope,
          ...problems('validation_failed', 'webhook_limit_reached', 'concurrent_modification'),
        },
      },
    },
    async (request, reply) => {
      const endpoint = await app.webhooks.register(request.caller.userId, request.body);
      return reply.code(201).send({ data: endpoint });
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint; pending deliveries to it are dropped',
        params: WebhookParams,
        response: {
          204: { type: 'null', description: 'deleted' },
          ...problems('validation_failed', 'not_found', 'concurrent_modification'),
        },
      },
    },
    async (request, reply) => {
      await app.webhooks.remove(request.caller.userId, request.params.id);
      return reply.code(204).send();
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
    async (request) => ({ data: await app.webhooks.list(request.caller.userId), nextCursor: null }),
  );

  getResource(
    app,
    '/:id',
    {
      tags,
      summary: 'One webhook endpoint (without its secret)',
      params: WebhookParams,
      result: WebhookEnvelope,
      notFound: 'not_found',
    },
    (userId, { id }) => app.webhooks.get(userId, id),
  );
}
