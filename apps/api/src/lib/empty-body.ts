import type { FastifyRequest } from 'fastify';

/**
 * preValidation of routes whose body fields are all optional (capture, void, reverse): a POST
 * with no body at all — no content-type, no bytes, as `curl -X POST …/void` sends — means `{}`,
 * as in Stripe's API. A body that is present is validated as sent (an empty JSON body is still 400).
 */
export async function absentBodyAsEmptyObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined && request.headers['content-type'] === undefined) request.body = {};
}
