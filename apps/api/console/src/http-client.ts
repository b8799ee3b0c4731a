// The console's only door to the API: adds the bearer token, parses `{data}` bodies and
// RFC 9457 problems, and bounds every request in time.
import type { TokenSession } from './session.js';

/** A request the API has not answered by then is reported as a network error. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
}

export interface Success<T> {
  ok: true;
  status: number;
  body: { data: T; nextCursor?: string | null };
  /** True when the API answered from its idempotency record (`Idempotent-Replayed: true`). */
  replayed: boolean;
}

export interface Failure {
  ok: false;
  /** 0 when no HTTP answer arrived (network error or timeout). */
  status: number;
  problem: Problem;
  replayed: boolean;
}

export type ApiResult<T> = Success<T> | Failure;

export interface RequestOptions {
  body?: unknown;
  idempotencyKey?: string;
  /** Adds `Authorization`; false for the unauthenticated dev token route. Default: true. */
  authenticated?: boolean;
}

export class HttpClient {
  constructor(private readonly session: TokenSession) {}

  async request<T>(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.session.token();
    if (options.authenticated !== false && token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        cache: 'no-store',
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      const detail = timedOut ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : 'the API could not be reached';
      return { ok: false, status: 0, replayed: false, problem: { title: 'Network error', status: 0, detail } };
    }
    const replayed = response.headers.get('idempotent-replayed') === 'true';
    const parsed = await readJson(response);
    if (response.ok && isDataBody<T>(parsed)) return { ok: true, status: response.status, body: parsed, replayed };
    return { ok: false, status: response.status, replayed, problem: toProblem(response, parsed) };
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function isDataBody<T>(value: unknown): value is { data: T; nextCursor?: string | null } {
  return typeof value === 'object' && value !== null && 'data' in value;
}

function toProblem(response: Response, parsed: unknown): Problem {
  const fallback: Problem = { title: response.statusText || 'Unexpected answer', status: response.status };
  if (typeof parsed !== 'object' || parsed === null) return fallback;
  const record = parsed as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof record[key] === 'string' ? record[key] : undefined);
  return {
    title: text('title') ?? fallback.title,
    status: response.status,
    detail: text('detail'),
    code: text('code'),
    requestId: text('requestId'),
    type: text('type'),
  };
}

/** One line for people: "Insufficient funds: balance 200 is below 800 (insufficient_funds, 409)". */
export function describeProblem(problem: Problem): string {
  const detail = problem.detail && problem.detail !== problem.title ? `: ${problem.detail}` : '';
  const code = problem.code ? `${problem.code}, ` : '';
  const status = problem.status > 0 ? ` (${code}${problem.status})` : '';
  const request = problem.requestId ? ` [request ${problem.requestId}]` : '';
  return `${problem.title}${detail}${status}${request}`;
}
