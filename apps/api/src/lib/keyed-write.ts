import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WriteOptions, WriteResult } from '@wallet/ledger';
import { sendWriteResult } from './write-reply.js';

/**
 * preValidation of routes whose body fields are all optional (capture, void, reverse): a POST
 * with no body at all — no content-type, no bytes, as `curl -X POST …/void` sends — means `{}`,
 * as in Stripe's API. A body that is present is validated as sent (an empty JSON body is still 400).
 */
export async function absentBodyAsEmptyObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined && request.headers['content-type'] === undefined) request.body = {};
}

/**
 * The ledger's write options of a hold or reversal: its key and the fingerprint the
 * idempotency plugin computed once (body and path ids). No If-Match: these writes offer no
 * version compare-and-swap of their own.
 */
export function keyedOptionsOf(request: FastifyRequest): WriteOptions {
  return { idempotencyKey: request.idempotency?.key, fingerprint: request.idempotency?.fingerprint };
}

/** Runs a hold or reversal write with the request's keyed options and renders its result. */
export async function sendKeyedWrite(
  request: FastifyRequest,
  reply: FastifyReply,
  write: (options: WriteOptions) => Promise<WriteResult>,
): Promise<FastifyReply> {
  return sendWriteResult(request, reply, await write(keyedOptionsOf(request)));
}
