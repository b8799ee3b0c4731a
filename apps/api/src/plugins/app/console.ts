import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '@wallet/config';
import { LedgerError } from '@wallet/ledger';
import { createSigner } from 'fast-jwt';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the web console (bundled by scripts/build-console.mjs into apps/api/dist/console)
 * at /console, and, only when NODE_ENV=development, `POST /console/dev-token`, which mints a
 * JWT for a given `sub` so a developer can sign in without a separate tool.
 *
 * The four files are read once at start-up and served from memory with an ETag: no static
 * file plugin, no path from the URL ever reaches the file system.
 */
export interface ConsoleOptions {
  config: Pick<Config, 'NODE_ENV' | 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>;
  /** Folder of the built console. Default: apps/api/dist/console, found from this file. */
  consoleDir?: string;
}

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The only files served; anything else under /console is a 404. */
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
/** The source map (the console's sources, comments included) is served only under NODE_ENV=development. */
const DEVELOPMENT_ASSET_TYPES: Readonly<Record<string, string>> = {
  ...ASSET_TYPES,
  'console.js.map': 'application/json; charset=utf-8',
};

/**
 * Stricter than the API-wide policy: the console needs only its own script, stylesheet
 * and same-origin fetches. `data:` images cover the empty favicon link.
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Dev tokens live an hour unless asked otherwise; never longer than a day. */
const DEV_TOKEN_TTL_SECONDS_DEFAULT = 3600;
const DEV_TOKEN_TTL_SECONDS_MAX = 86_400;

/** A generous budget for the token route; the static files are outside the rate limit. */
const DEV_TOKEN_RATE_MAX = 60;
const DEV_TOKEN_RATE_WINDOW_MS = 60_000;

const DevTokenBody = Type.Object(
  {
    sub: Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,128}$', description: 'user id to sign for' }),
    admin: Type.Optional(Type.Boolean({ description: 'add roles: ["admin"]' })),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: DEV_TOKEN_TTL_SECONDS_MAX })),
  },
  { additionalProperties: false },
);

const DevTokenReply = Type.Object(
  {
    data: Type.Object(
      { token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const AssetParams = Type.Object({ file: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

export default async function consolePlugin(fastify: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const consoleDir = options.consoleDir ?? fileURLToPath(new URL('../../../dist/console/', import.meta.url));
  const assets = await loadAssets(
    consoleDir,
    options.config.NODE_ENV === 'development' ? DEVELOPMENT_ASSET_TYPES : ASSET_TYPES,
  );
  if (assets.size === 0) app.log.warn('console: not built (run npm run build); /console answers 404');

  const serve = (name: string, ifNoneMatch: string | undefined, reply: FastifyReply): FastifyReply => {
    const asset = assets.get(name);
    if (!asset)
      throw new LedgerError('not_found', assets.size === 0 ? 'the console is not built' : 'no such console file');
    reply
      .header('content-type', asset.contentType)
      .header('etag', asset.etag)
      // File names are not content-hashed, so browsers revalidate each time (a cheap 304).
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff');
    if (ifNoneMatch === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  };

  const hidden = { hide: true } as Record<string, unknown>;
  const noRateLimit = { rateLimit: false as const };
  app.get('/console', { schema: hidden, config: noRateLimit }, (request, reply) => {
    // Relative asset URLs need the trailing slash; a bare /console redirects to it.
    if (!request.url.split('?')[0]!.endsWith('/')) return reply.redirect('/console/', 301);
    return serve('index.html', request.headers['if-none-match'], reply);
  });
  if (!app.hasRoute({ method: 'GET', url: '/console/' })) {
    app.get('/console/', { schema: hidden, config: noRateLimit }, (request, reply) =>
      serve('index.html', request.headers['if-none-match'], reply),
    );
  }
  app.get('/console/:file', { schema: { ...hidden, params: AssetParams }, config: noRateLimit }, (request, reply) =>
    serve(request.params.file, request.headers['if-none-match'], reply),
  );

  if (options.config.NODE_ENV !== 'development') return;
  const secret = options.config.JWT_SECRET;
  if (!secret) {
    app.log.warn('console: NODE_ENV=development but no JWT_SECRET, so no dev token route');
    return;
  }
  app.post(
    '/console/dev-token',
    {
      schema: { ...hidden, body: DevTokenBody, response: { 200: DevTokenReply } },
      config: { rateLimit: { max: DEV_TOKEN_RATE_MAX, timeWindow: DEV_TOKEN_RATE_WINDOW_MS } },
    },
    async (request) => mintDevToken(request.body, secret, options.config),
  );
}

function mintDevToken(
  body: Static<typeof DevTokenBody>,
  secret: string,
  config: ConsoleOptions['config'],
): Static<typeof DevTokenReply> {
  const ttlSeconds = body.ttlSeconds ?? DEV_TOKEN_TTL_SECONDS_DEFAULT;
  const sign = createSigner({
    key: secret,
    algorithm: 'HS256',
    expiresIn: ttlSeconds * 1000,
    ...(config.JWT_ISSUER ? { iss: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { aud: config.JWT_AUDIENCE } : {}),
  });
  const token = sign({ sub: body.sub, ...(body.admin ? { roles: ['admin'] } : {}) });
  return { data: { token, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() } };
}

async function loadAssets(consoleDir: string, types: Readonly<Record<string, string>>): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [name, contentType] of Object.entries(types)) {
    const body = await readFile(`${consoleDir}/${name}`).catch(() => null);
    if (!body) continue;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(name, { body, contentType, etag });
  }
  return assets;
}
