import type { Socket } from 'node:net';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, InvariantViolation } from '@wallet/ledger';
import {
  PROBLEM_CONTENT_TYPE,
  clientErrorProblem,
  problemFor,
  problemJson,
  rawProblemResponse,
  type ProblemSpec,
} from '../../lib/problem.js';
import { API_SECURITY_HEADERS } from '../external/security.js';

/**
 * The one error handler: every failure becomes RFC 9457 problem+json with a registry code.
 * 5xx answers carry a generic detail; logs get the error's name and code, never a driver
 * message, a stack or a header value.
 */
export default fp(
  async function errorHandlerPlugin(app) {
    app.setErrorHandler(async (thrown, request, reply) => {
      // A request refused before its handler counted its rate limit counts now (rate-limit.ts).
      const error = await app.rateLimit.settle(request, reply, thrown);
      const problem = problemFor(error);
      const status = statusOf(problem);
      if (status >= 500) logServerError(request, error, problem);
      else if (problem.code === 'rate_limited') app.metrics.rateLimited.inc();
      await app.auditRefusal(request, error, problem.code);
      return sendProblem(reply, problem, request.id);
    });

    app.setNotFoundHandler(async (request, reply) =>
      sendProblem(
        reply,
        // The URL is not echoed: a reflected path is a gift to whoever crafts it.
        { code: 'not_found', detail: `no route for ${safeMethod(request.method)} at this path` },
        request.id,
      ),
    );
  },
  { name: 'error-handler', dependencies: ['metrics', 'audit'] },
);

function statusOf(problem: ProblemSpec): number {
  return ERRORS[problem.code].status;
}

export function sendProblem(reply: FastifyReply, problem: ProblemSpec, requestId: string): FastifyReply {
  reply.code(statusOf(problem)).type(PROBLEM_CONTENT_TYPE);
  if (problem.retryAfterSeconds !== undefined) reply.header('retry-after', String(problem.retryAfterSeconds));
  if (problem.code === 'unauthorized') reply.header('www-authenticate', 'Bearer realm="wallet"');
  return reply.send(problemJson(problem.code, problem.detail, requestId));
}

function logServerError(request: FastifyRequest, error: unknown, problem: ProblemSpec): void {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  // Our own invariant messages are safe and worth reading; foreign messages may quote a driver or a query.
  const message = error instanceof InvariantViolation ? error.message : undefined;
  const level = problem.code === 'service_unavailable' ? 'warn' : 'error';
  request.log[level](
    { errName: name, errCode: typeof code === 'string' ? code : undefined, errMessage: message, code: problem.code },
    'request failed',
  );
}

/** The method, when it is a plain token (Node accepts only known methods; this keeps it so). */
function safeMethod(method: string): string {
  return /^[A-Z]{1,16}$/.test(method) ? method : 'this method';
}

/**
 * Fastify's `frameworkErrors` option: a bad percent-encoding or an over-long path parameter,
 * found while routing, before any hook has run. The reply gets what the hooks would have
 * given it (security headers, request id) and the problem+json body; the URL is not echoed.
 */
export function frameworkErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.headers(API_SECURITY_HEADERS);
  reply.header('x-request-id', request.id);
  return sendProblem(reply, problemFor(error), request.id);
}

/** A client error is answered once; the parser may report the same socket again. */
const answered = new WeakSet<Socket>();
/** How long a refused client may read the answer before its socket is destroyed. */
const CLIENT_ERROR_LINGER_MS = 1000;

/**
 * The server's `clientError` handler (Fastify's `clientErrorHandler` option): Node's parser
 * refused the bytes (headers overflow, not HTTP) or REQUEST_TIMEOUT_MS passed before the
 * whole request arrived. Answers with a complete problem+json response carrying the security
 * headers, unless a reply has already started on that socket, then closes the connection.
 */
export function clientErrorHandler(error: Error & { code?: unknown }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (answered.has(socket) || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  socket.end(rawProblemResponse(clientErrorProblem(error), API_SECURITY_HEADERS));
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}
