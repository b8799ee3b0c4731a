import { randomUUID } from 'node:crypto';
import type { ServerOptions } from 'node:http';
import fp from 'fastify-plugin';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyLoggerOptions,
  type FastifyServerOptions,
} from 'fastify';
import type { LoggerOptions as PinoLoggerOptions } from 'pino';
import type { Config } from '@wallet/config';
import { LedgerError, type LedgerStore } from '@wallet/ledger';
import { createStore } from '@wallet/stores';
import './fastify-types.js';
import { validatorCompiler } from './lib/validators.js';
import { hasNonIntegerNumber } from './lib/json-numbers.js';
import metricsPlugin from './plugins/external/metrics.js';
import redisPlugin from './plugins/external/redis.js';
import securityPlugin from './plugins/external/security.js';
import rateLimitPlugin from './plugins/external/rate-limit.js';
import swaggerPlugin from './plugins/external/swagger.js';
import ledgerPlugin from './plugins/app/ledger.js';
import lifecyclePlugin from './plugins/app/lifecycle.js';
import servicesPlugin from './plugins/app/services.js';
import auditPlugin from './plugins/app/audit.js';
import errorHandlerPlugin, { clientErrorHandler, frameworkErrorHandler } from './plugins/app/error-handler.js';
import authPlugin from './plugins/app/auth.js';
import idempotencyPlugin from './plugins/app/idempotency.js';
import historyCachePlugin from './plugins/app/history-cache.js';
import routes from './routes/index.js';
import { SHARED_SCHEMAS } from './schemas/shared.js';
import consolePlugin from './plugins/app/console.js';

export interface BuildAppOptions {
  config: Config;
  /** The ledger store; default `createStore(config)`. The app calls `ready()` on it and closes it. */
  store?: LedgerStore;
  /**
   * Redis connection overrides (tests point the app at a private server or prefix).
   * Default: REDIS_URL, REDIS_PREFIX.
   */
  redis?: { url?: string; prefix?: string };
  /** Fastify logger options; default pino JSON at LOG_LEVEL with credentials redacted. */
  logger?: FastifyServerOptions['logger'];
}

/** 16 KiB: the largest legitimate body (20 metadata values of 500 chars) is about 11 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;
/** Idle keep-alive sockets are closed after 5 s, below typical load-balancer idle timeouts (60 s). */
const KEEP_ALIVE_TIMEOUT_MS = 5000;
/** Node checks request and header deadlines on this period (its default, 30 s, would let a slow body run 30 s over). */
const TIMEOUT_CHECK_MS_MAX = 1000;
/** An incoming x-request-id is kept only when it is short and plain; otherwise a UUID is generated. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** pino JSON at LOG_LEVEL; credentials are redacted should a serializer ever include headers. */
export function loggerOptions(config: Config): FastifyLoggerOptions & PinoLoggerOptions {
  return {
    level: config.LOG_LEVEL,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'],
      censor: '[redacted]',
    },
  };
}

export function serverOptions(
  config: Config,
  logger?: FastifyServerOptions['logger'],
): FastifyServerOptions & { http: ServerOptions } {
  return {
    logger: logger ?? loggerOptions(config),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    // Probes and scrapes every few seconds would drown the request log.
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: (request) => request.url.startsWith('/health/') || request.url === '/metrics',
    }),
    bodyLimit: BODY_LIMIT_BYTES,
    // requestTimeout bounds receiving a request, headers and body; connectionTimeout bounds an idle socket.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: httpServerOptions(config),
    connectionTimeout: config.REQUEST_TIMEOUT_MS * 2,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // The drain is the lifecycle plugin's (lame duck, DESIGN.md §4.6): Fastify must neither
    // answer 503 on its own nor destroy "idle" sockets whose request is still unread.
    return503OnClosing: false,
    forceCloseConnections: false,
    // Errors raised before routing or by Node's parser get the same problem+json as the rest.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    routerOptions: { maxParamLength: 100, ignoreTrailingSlash: true },
  };
}

/**
 * Node reads `headersTimeout` and the checking period only when the server is created:
 * setting `requestTimeout` afterwards (as Fastify does) leaves headers at 60 s and the check
 * at 30 s, so a slow body ran far past REQUEST_TIMEOUT_MS. Both are set here, at creation.
 */
export function httpServerOptions(config: Config): ServerOptions {
  return {
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    headersTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS_MAX, Math.ceil(config.REQUEST_TIMEOUT_MS / 4)),
  };
}

/**
 * The whole API as a plugin tree. Order matters: metrics and Redis first (others use them),
 * the ledger, the drain gate, errors and audit, auth, security headers, rate limit (before
 * routes: it hooks route creation), docs, idempotency and cache, then the routes.
 */
export type ServiceAppOptions = Required<Pick<BuildAppOptions, 'config' | 'store'>> & BuildAppOptions;

/** Not encapsulated (fastify-plugin): main.ts and tests see `app.lifecycle`, `app.ledger`, … on the root. */
export const serviceApp = fp<ServiceAppOptions>(
  async function serviceApp(app, options) {
    const { config } = options;
    app.decorate('config', config);
    // Before any route: route schemas refer to these by `$id` (schemas/common.ts `ref`).
    for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
    await app.register(metricsPlugin);
    await app.register(redisPlugin, {
      url: options.redis?.url ?? config.REDIS_URL,
      prefix: options.redis?.prefix ?? config.REDIS_PREFIX,
    });
    await app.register(ledgerPlugin, { store: options.store });
    await app.register(lifecyclePlugin);
    await app.register(servicesPlugin);
    await app.register(auditPlugin);
    await app.register(errorHandlerPlugin);
    await app.register(authPlugin);
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    await app.register(securityPlugin);
    await app.register(rateLimitPlugin);
    await app.register(swaggerPlugin);
    await app.register(idempotencyPlugin);
    await app.register(historyCachePlugin);
    await app.register(routes);
    await app.register(consolePlugin, { config });
  },
  { name: 'wallet-api' },
);

/**
 * Fastify's JSON parser (same body limit, same prototype-poisoning refusals), after a scan
 * that refuses number literals with a fraction or an exponent: `100.0000000000000001` would
 * otherwise parse to 100 and be booked as 100.
 */
function useIntegerJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (hasNonIntegerNumber(body as string)) {
      done(new LedgerError('validation_failed', 'body numbers must be integers, without a fraction or an exponent'));
      return;
    }
    parseJson(request, body as string, done);
  });
}

/** Builds the app without listening; no side effects until the caller calls ready/listen/inject. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(options.config, options.logger));
  app.setValidatorCompiler(validatorCompiler());
  // JSON only: a text/plain body is answered 415 instead of reaching validation as a string.
  app.removeContentTypeParser('text/plain');
  useIntegerJson(app);
  const store = options.store ?? (await createStore(options.config));
  await app.register(serviceApp, { ...options, store });
  return app;
}
