import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LedgerError, requestFingerprint } from '@wallet/ledger';
import { expectedVersionOf } from '../../lib/write-reply.js';
import { IDEMPOTENCY_KEY_REGEX, idempotencyRedisKeys, markerTtlMsFor } from '../../lib/idempotency-keys.js';
import type { IdempotencyBegin } from '../../lib/redis-scripts.js';

/** Per-request idempotency state, kept on `request.idempotency`. */
export interface IdempotencyState {
  key: string;
  /** Set by the route once the ledger answered with a final outcome (new or replayed). */
  remember: boolean;
  /**
   * requestFingerprint of the route's operation, body and If-Match, computed once here: the
   * cached reply is only replayed for the same request, and the ledger stores the same value.
   */
  fingerprint: string;
  cacheKey: string;
  lockKey: string;
  /** We hold the in-flight marker and must release it. */
  locked: boolean;
  /** This reply came from the Redis fast path: do not cache it again. */
  fromCache: boolean;
}

/** What the fast path keeps: the exact reply bytes and what they were an answer to. */
interface CachedReply {
  userId: string;
  fingerprint: string;
  statusCode: number;
  contentType: string;
  body: string;
}

/** A second request with the same key while the first runs should come back after about this long. */
const IN_FLIGHT_RETRY_AFTER_S = 1;

/**
 * The Redis fast path in front of LedgerService's idempotency (the database record is the
 * authority). Order on a write route: authenticate → rate limit (onRequest; the same script
 * looks up the cached reply or takes the in-flight marker, see rate-limit.ts) → validation →
 * this preHandler (key check, then acting on that lookup, or doing it now on a route
 * without a rate limit or after a per-process count) → handler →
 * onSend (cache the remembered reply and release the marker) → onResponse (release, if
 * onSend could not).
 */
export default fp(
  async function idempotencyPlugin(app) {
    const ttlSeconds = app.config.IDEMPOTENCY_TTL_SECONDS;
    const lockTtlMs = markerTtlMsFor(app.config.REQUEST_TIMEOUT_MS);
    app.decorateRequest('idempotency', null);
    app.addHook('preHandler', async (request, reply) => {
      const key = checkedKey(request);
      if (key === undefined) return;
      const state = newState(request, key, app.redisFastPath.prefix);
      request.idempotency = state;
      return begin(app, request, reply, state, lockTtlMs);
    });
    app.addHook('onSend', async (request, reply, payload) => {
      adoptEarlyMarker(request, app.redisFastPath.prefix);
      await finish(app, request, reply, payload, ttlSeconds);
      return payload;
    });
    // Backstop for replies that never reached onSend (aborted requests, Redis down at onSend).
    const backstop = (request: FastifyRequest) => {
      adoptEarlyMarker(request, app.redisFastPath.prefix);
      return release(app, request, ttlSeconds);
    };
    app.addHook('onResponse', backstop);
    app.addHook('onRequestAbort', backstop);
  },
  { name: 'idempotency', dependencies: ['redis', 'metrics', 'auth'] },
);

/** The route's key policy: the well-formed key, undefined when none is needed, or a 400. */
function checkedKey(request: FastifyRequest): string | undefined {
  const mode = request.routeOptions.config.idempotency;
  if (!mode) return undefined;
  const key = request.headers['idempotency-key'];
  if (key === undefined) {
    if (mode === 'optional') return undefined;
    throw new LedgerError(
      'idempotency_key_required',
      'send an Idempotency-Key header (1-255 visible ASCII characters)',
    );
  }
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_REGEX.test(key)) {
    throw new LedgerError('idempotency_key_invalid', 'Idempotency-Key must be 1-255 visible ASCII characters');
  }
  return key;
}

/**
 * The fast path: one round trip returns the cached reply (replayed as it is, when it
 * answers this user's same request) or takes the in-flight marker; a second request
 * with the key while the first runs gets 409. Redis trouble falls back to the database.
 */
async function begin(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  state: IdempotencyState,
  lockTtlMs: number,
): Promise<FastifyReply | undefined> {
  const { redisFastPath: redis, metrics } = app;
  const early = request.idempotencyBegun;
  if (early === null && !redis.isReady()) {
    metrics.redisFallback.inc({ use: 'idempotency' });
    metrics.idempotency.inc({ result: 'miss' });
    return undefined;
  }
  try {
    // Done with the rate limit at onRequest, or else one round trip now (see redis-scripts.ts).
    const begun = early ?? (await redis.scripts.idempotencyBegin(state.cacheKey, state.lockKey, request.id, lockTtlMs));
    let outcome = begun.outcome;
    if (begun.outcome === 'cached') {
      const cached = parseCached(begun.reply);
      if (cached && cached.userId === request.caller.userId && cached.fingerprint === state.fingerprint) {
        metrics.idempotency.inc({ result: 'hit' });
        state.fromCache = true;
        return replayCached(reply, cached);
      }
      // A different request under this key (the ledger answers 422) or an unreadable entry:
      // run it under the marker.
      const taken = await app.redis.set(state.lockKey, request.id, 'PX', lockTtlMs, 'NX');
      outcome = taken === null ? 'in_flight' : 'acquired';
    }
    if (outcome === 'in_flight') {
      metrics.idempotency.inc({ result: 'in_flight' });
      throw new LedgerError(
        'idempotency_key_in_flight',
        'a request with this Idempotency-Key is still running; retry shortly',
        {
          retryAfterSeconds: IN_FLIGHT_RETRY_AFTER_S,
        },
      );
    }
    state.locked = true;
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    // Redis failed mid-request: the database record still guarantees exactly-once.
    metrics.redisFallback.inc({ use: 'idempotency' });
  }
  metrics.idempotency.inc({ result: 'miss' });
  return undefined;
}

/**
 * Stores the remembered reply and drops the marker in one round trip, before the reply
 * leaves: a client retrying the moment it has the answer finds the reply, not the marker.
 */
async function finish(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  ttlSeconds: number,
): Promise<void> {
  const state = request.idempotency;
  if (!state || state.fromCache || !app.redisFastPath.isReady()) return;
  const store = state.remember && typeof payload === 'string';
  if (!store && !state.locked) return;
  const cached: CachedReply | null = store
    ? {
        userId: request.caller.userId,
        fingerprint: state.fingerprint,
        statusCode: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
        body: payload,
      }
    : null;
  const owner = state.locked ? request.id : '';
  state.locked = false;
  try {
    await app.redisFastPath.scripts.idempotencyFinish(
      state.cacheKey,
      state.lockKey,
      owner,
      ttlSeconds,
      cached && JSON.stringify(cached),
    );
  } catch {
    // The marker expires by itself after lockTtlMs; the database record still answers replays.
    app.metrics.redisFallback.inc({ use: 'idempotency' });
  }
}

/** Drops the in-flight marker this request still holds. */
async function release(app: FastifyInstance, request: FastifyRequest, ttlSeconds: number): Promise<void> {
  const state = request.idempotency;
  if (!state?.locked) return;
  state.locked = false;
  try {
    await app.redisFastPath.scripts.idempotencyFinish(state.cacheKey, state.lockKey, request.id, ttlSeconds, null);
  } catch {
    // The marker expires by itself after lockTtlMs.
    app.metrics.redisFallback.inc({ use: 'idempotency' });
  }
}

function newState(request: FastifyRequest, key: string, prefix: string): IdempotencyState {
  const operation = request.routeOptions.config.auditAction;
  if (operation === undefined) throw new Error('an idempotent route must name its auditAction (the operation)');
  // The path's ids are part of the request (one key on /holds/A/capture and /holds/B/capture is a reuse).
  const fingerprint = requestFingerprint(operation, requestInput(request), expectedVersionOf(request));
  return stateFor(request, key, prefix, fingerprint, false);
}

/** The state of a keyed request: where its reply and marker live, and whether it holds the marker. */
function stateFor(
  request: FastifyRequest,
  key: string,
  prefix: string,
  fingerprint: string,
  locked: boolean,
): IdempotencyState {
  const { replyKey, markerKey } = idempotencyRedisKeys(prefix, request.caller.userId, key);
  return { key, remember: false, fingerprint, cacheKey: replyKey, lockKey: markerKey, locked, fromCache: false };
}

/**
 * A marker the rate-limit script took at onRequest for a request refused before this
 * preHandler ran (a body that failed validation): it is released like any held marker.
 */
function adoptEarlyMarker(request: FastifyRequest, prefix: string): void {
  const early: IdempotencyBegin | null = request.idempotencyBegun;
  if (request.idempotency !== null || early?.outcome !== 'acquired') return;
  // Never compared: this request is answered already, it only has a marker to release.
  request.idempotency = stateFor(request, request.headers['idempotency-key'] as string, prefix, '', true);
}

/** The body's fields and the path's (holdId, transactionId), as the ledger fingerprints them. */
function requestInput(request: FastifyRequest): object {
  const body = typeof request.body === 'object' && request.body !== null ? request.body : {};
  const params = typeof request.params === 'object' && request.params !== null ? request.params : {};
  return { ...body, ...params };
}

function parseCached(raw: string | null): CachedReply | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<CachedReply>;
    const valid =
      typeof value.body === 'string' && typeof value.statusCode === 'number' && typeof value.fingerprint === 'string';
    return valid ? (value as CachedReply) : null;
  } catch {
    return null;
  }
}

function replayCached(reply: FastifyReply, cached: CachedReply): FastifyReply {
  return reply
    .code(cached.statusCode)
    .header('content-type', cached.contentType)
    .header('idempotent-replayed', 'true')
    .send(cached.body);
}
