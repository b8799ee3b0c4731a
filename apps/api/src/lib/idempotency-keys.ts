import type { FastifyRequest } from 'fastify';
import { IDEMPOTENCY_KEY_PATTERN } from '../schemas/common.js';

/** Compiled once from the documented header pattern. */
export const IDEMPOTENCY_KEY_REGEX = new RegExp(IDEMPOTENCY_KEY_PATTERN);

/** The marker outlives the longest request a little, so a crashed process cannot block a key for long. */
const LOCK_MARGIN_MS = 1000;

/** How long a request's in-flight marker lives: the request timeout plus a margin. */
export function markerTtlMsFor(requestTimeoutMs: number): number {
  return requestTimeoutMs + LOCK_MARGIN_MS;
}

/** Where the Redis fast path keeps a user's key: the cached reply and the in-flight marker. */
export interface IdempotencyRedisKeys {
  replyKey: string;
  markerKey: string;
}

export function idempotencyRedisKeys(prefix: string, userId: string, key: string): IdempotencyRedisKeys {
  // encodeURIComponent escapes ':' and '%', so "<user>:<key>" cannot be confused across users.
  const scope = `${encodeURIComponent(userId)}:${key}`;
  return { replyKey: `${prefix}:idem:${scope}`, markerKey: `${prefix}:idem-lock:${scope}` };
}

/**
 * The keys of a request that will take the idempotency fast path — a route with a key
 * policy, an authenticated caller and a well-formed Idempotency-Key — known from the headers
 * alone, before the body is read; undefined for any other request (its refusal, if any, is
 * the idempotency plugin's).
 */
export function fastPathKeysOf(request: FastifyRequest, prefix: string): IdempotencyRedisKeys | undefined {
  if (!request.routeOptions.config.idempotency || !request.caller) return undefined;
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_REGEX.test(key)) return undefined;
  return idempotencyRedisKeys(prefix, request.caller.userId, key);
}
