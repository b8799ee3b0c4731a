import { createPublicKey } from 'node:crypto';
import fp from 'fastify-plugin';
import fastifyJwt from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import type { Config } from '@wallet/config';
import { LedgerError } from '@wallet/ledger';
import { VerifiedTokens, type VerifiedToken } from '../../lib/verified-tokens.js';

type Algorithm = 'HS256' | 'RS256' | 'ES256';

/** Pins the algorithm to the key: an HS256 secret never verifies RS/ES tokens, and `none` is never accepted. */
export function jwtAlgorithmsFor(config: Pick<Config, 'JWT_SECRET' | 'JWT_PUBLIC_KEY'>): Algorithm[] {
  if (config.JWT_SECRET) return ['HS256'];
  if (!config.JWT_PUBLIC_KEY) throw new Error('JWT_SECRET or JWT_PUBLIC_KEY is required');
  const keyType = createPublicKey(config.JWT_PUBLIC_KEY).asymmetricKeyType;
  if (keyType === 'rsa') return ['RS256'];
  if (keyType === 'ec') return ['ES256'];
  throw new Error('JWT_PUBLIC_KEY must be an RSA or EC public key');
}

const USER_ID_CHARS_MAX = 255;
const ROLES_MAX = 32;
/** Verified tokens are kept briefly (lib/verified-tokens.ts): a hot client is not re-verified on every call. */
const VERIFY_CACHE_SIZE = 10_000;
const VERIFY_CACHE_TTL_MS = 60_000;

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and lone surrogates
 * (invalid UTF-16: `u` mode sees them as code points of category Cs). Such a `sub` would
 * reach PostgreSQL as a NUL, break `encodeURIComponent` in the rate-limit key, or forge a
 * log line; it is refused as an unusable token.
 */
const UNUSABLE_USER_ID_CHARS = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u;

/** A user id is a non-empty, bounded, well-formed string without control characters. */
export function usableUserId(sub: unknown): sub is string {
  return (
    typeof sub === 'string' && sub.length > 0 && sub.length <= USER_ID_CHARS_MAX && !UNUSABLE_USER_ID_CHARS.test(sub)
  );
}

interface Claims {
  sub?: unknown;
  roles?: unknown;
  exp?: unknown;
  nbf?: unknown;
}

export default fp(
  async function authPlugin(app) {
    const { config } = app;
    await app.register(fastifyJwt, {
      secret: config.JWT_SECRET ?? { public: config.JWT_PUBLIC_KEY! },
      verify: {
        algorithms: jwtAlgorithmsFor(config),
        requiredClaims: ['exp', 'sub', ...(config.JWT_ISSUER ? ['iss'] : []), ...(config.JWT_AUDIENCE ? ['aud'] : [])],
        ...(config.JWT_ISSUER ? { allowedIss: config.JWT_ISSUER } : {}),
        ...(config.JWT_AUDIENCE ? { allowedAud: config.JWT_AUDIENCE } : {}),
        // Our own cache sits in front (keyed by the header, without hashing); fast-jwt's would only add work.
        cache: false,
      },
    });
    app.decorateRequest('caller', null as never);
    app.decorateRequest('isAdmin', false);

    const verified = new VerifiedTokens(VERIFY_CACHE_SIZE, VERIFY_CACHE_TTL_MS);
    app.decorate('authenticate', async function authenticate(request) {
      const header = request.headers.authorization;
      const nowMs = Date.now();
      let token = typeof header === 'string' ? verified.get(header, nowMs) : undefined;
      if (token === undefined) {
        const checked = await verifiedToken(request);
        if (typeof header === 'string') verified.set(header, checked, checked.claims.exp, checked.claims.nbf, nowMs);
        token = checked;
      }
      request.caller = { userId: token.userId, requestId: request.id, ip: request.ip };
      request.isAdmin = token.isAdmin;
    });

    app.decorate('requireAdmin', async function requireAdmin(request) {
      if (!request.caller) throw new LedgerError('unauthorized', 'bearer token required');
      if (!request.isAdmin) throw new LedgerError('forbidden', 'this route needs the admin role');
    });
  },
  { name: 'auth' },
);

/** The full check of the request's token (signature, algorithm, claims), or a 401. */
async function verifiedToken(request: FastifyRequest): Promise<VerifiedToken & { claims: Claims }> {
  let claims: Claims;
  try {
    claims = await request.jwtVerify<Claims>();
  } catch (error) {
    throw new LedgerError('unauthorized', reasonFor(error));
  }
  if (!usableUserId(claims.sub)) throw new LedgerError('unauthorized', 'the token has no usable sub claim');
  const roles = Array.isArray(claims.roles) ? claims.roles.slice(0, ROLES_MAX) : [];
  return { userId: claims.sub, isAdmin: roles.includes('admin'), claims };
}

/** A safe, useful reason: never the token, never the library's message. */
function reasonFor(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER') return 'send Authorization: Bearer <token>';
  if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') return 'the token has expired';
  if (code === 'FST_JWT_BAD_REQUEST') return 'the Authorization header must be "Bearer <token>"';
  return 'the token is invalid';
}
