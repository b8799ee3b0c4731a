import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WriteOptions, WriteResult } from '@wallet/ledger';
import { PROBLEM_CONTENT_TYPE, problemJson } from './problem.js';

/**
 * Renders a ledger write result. `{data}` goes through the route's response schema (fixed
 * key order); a remembered refusal becomes problem+json with the ORIGINAL request id, so a
 * replay — from Redis or from the database — is byte-identical to the first answer.
 */
export function sendWriteResult(request: FastifyRequest, reply: FastifyReply, result: WriteResult): FastifyReply {
  if (request.idempotency) request.idempotency.remember = true;
  if (result.replayed) {
    reply.header('idempotent-replayed', 'true');
    request.server.metrics.idempotency.inc({ result: 'replayed_from_db' });
  }
  reply.code(result.statusCode);
  if ('error' in result.body) {
    const { code, detail } = result.body.error;
    return reply.type(PROBLEM_CONTENT_TYPE).send(problemJson(code, detail, result.requestId));
  }
  // Metadata keys were sorted by the ledger at intake and every store keeps their order.
  return reply.send({ data: result.body.data });
}

/** `If-Match: "7"` → 7 (the header schema already refused any other shape). */
export function expectedVersionOf(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (typeof header !== 'string') return undefined;
  return Number(header.slice(1, -1));
}

/** The ledger's write options of a request: its key, the fingerprint computed once, If-Match. */
export function writeOptionsOf(request: FastifyRequest): WriteOptions {
  return {
    idempotencyKey: request.idempotency?.key,
    fingerprint: request.idempotency?.fingerprint,
    expectedVersion: expectedVersionOf(request),
  };
}
