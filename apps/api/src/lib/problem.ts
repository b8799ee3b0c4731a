import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ERRORS, LedgerError, StoreUnavailable, type ErrorCode } from '@wallet/ledger';

/** Problem `type` URIs: one stable, documented page per code (RFC 9457 §3.1.1). */
export const PROBLEM_TYPE_BASE = 'https://wallet.example/problems/';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** What the client is told: a registry code, a safe detail and, for 409/429/503, when to retry. */
export interface ProblemSpec {
  code: ErrorCode;
  detail: string;
  retryAfterSeconds?: number;
}

/** Serializes with a fixed key order, so a remembered refusal replays byte for byte. */
export function problemJson(code: ErrorCode, detail: string, requestId: string): string {
  const { status, title } = ERRORS[code];
  return JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${code}`, title, status, detail, code, requestId });
}

const DETAIL_CHARS_MAX = 300;

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

/** Fastify's documented error codes, as the problems they answer. */
const FRAMEWORK_PROBLEMS = new Map<string, ProblemSpec>([
  ['FST_ERR_BAD_URL', { code: 'bad_request', detail: 'the URL is not valid (bad percent-encoding)' }],
  ['FST_ERR_MAX_PARAM_LENGTH', { code: 'uri_too_long', detail: 'a path parameter is longer than 100 characters' }],
  ['FST_ERR_CTP_BODY_TOO_LARGE', { code: 'payload_too_large', detail: 'request body is larger than 16 KiB' }],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', { code: 'unsupported_media_type', detail: 'send application/json' }],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', { code: 'validation_failed', detail: 'request body is empty' }],
  ['FST_ERR_CTP_INVALID_JSON_BODY', { code: 'validation_failed', detail: 'request body is not valid JSON' }],
]);

/**
 * Maps any thrown value to what the client may see. Ledger errors carry a safe detail;
 * framework errors map by their documented codes; everything else is a 500 with a generic
 * detail, because its message may come from a driver.
 */
export function problemFor(error: unknown): ProblemSpec {
  if (error instanceof LedgerError)
    return {
      code: error.code,
      detail: error.detail.slice(0, DETAIL_CHARS_MAX),
      retryAfterSeconds: error.retryAfterSeconds,
    };
  if (error instanceof StoreUnavailable)
    return {
      code: 'service_unavailable',
      detail: 'a required dependency is unavailable; retry later',
      retryAfterSeconds: 1,
    };
  const candidate = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (Array.isArray(candidate.validation)) return { code: 'validation_failed', detail: validationDetail(candidate) };
  const framework = typeof candidate.code === 'string' ? FRAMEWORK_PROBLEMS.get(candidate.code) : undefined;
  if (framework) return { ...framework };
  if (error instanceof SyntaxError && candidate.statusCode === 400)
    return { code: 'validation_failed', detail: 'request body is not valid JSON' };
  const status = typeof candidate.statusCode === 'number' ? candidate.statusCode : 500;
  if (status === 408) return { code: 'request_timeout', detail: 'the request was not received in time' };
  if (status === 413) return { code: 'payload_too_large', detail: 'request body is too large' };
  if (status === 415) return { code: 'unsupported_media_type', detail: 'send application/json' };
  if (status === 404) return { code: 'not_found', detail: 'no such route' };
  if (status >= 400 && status < 500) return { code: 'validation_failed', detail: 'the request is malformed' };
  return { code: 'internal_error', detail: 'an unexpected error occurred; it has been logged' };
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: { additionalProperty?: unknown; missingProperty?: unknown };
}

/**
 * "body/amount must be integer": ajv's message is about the schema, never the raw input, except
 * known property names.
 */
function validationDetail(error: FastifyLikeError): string {
  const issue = ((error.validation as AjvIssue[])[0] ?? {}) as AjvIssue;
  const where = `${typeof error.validationContext === 'string' ? error.validationContext : 'request'}${issue.instancePath ?? ''}`;
  let detail = `${where} ${issue.message ?? 'is invalid'}`;
  const extra = issue.params?.additionalProperty;
  if (issue.keyword === 'additionalProperties' && typeof extra === 'string') detail += `: ${safeName(extra)}`;
  return detail.slice(0, DETAIL_CHARS_MAX);
}

/** Echo a property name only when it is plain; anything else is summarized. */
function safeName(name: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(name) ? name : '(a property with an unsafe name)';
}

/**
 * What Node's HTTP parser refuses before a request exists (the server's `clientError`):
 * the request took longer than REQUEST_TIMEOUT_MS, its headers overflowed, or it is not HTTP.
 */
export function clientErrorProblem(error: { code?: unknown }): ProblemSpec {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { code: 'request_timeout', detail: 'the request was not received in time; send it faster' };
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return { code: 'header_too_large', detail: 'the request headers are larger than the server accepts' };
  return { code: 'bad_request', detail: 'the request is not valid HTTP/1.1' };
}

/**
 * A complete HTTP/1.1 problem+json response as raw bytes, for the places that own a socket
 * and no reply (client errors): the same body, the given headers, and `Connection: close`.
 */
export function rawProblemResponse(problem: ProblemSpec, headers: Readonly<Record<string, string>>): string {
  const { status } = ERRORS[problem.code];
  const requestId = randomUUID();
  const body = problemJson(problem.code, problem.detail, requestId);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    `x-request-id: ${requestId}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
