// The retry loop: one logical call = one Idempotency-Key, reused by every attempt; retried
// only when the API says "not done, try again" or gave no answer; bounded by attempts, an
// overall deadline and a per-attempt timeout; abortable by the caller at any point.
import { WalletApiError } from './errors.js';
import { isRetryableAnswer, parseRetryAfterMs, retryDelayMs, type BackoffPolicy } from './retry-policy.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** How a call may be repeated after an ambiguous failure (no answer, 502, 504). */
export type Replay =
  /** Reads, and writes the API makes exactly-once with the Idempotency-Key. */
  | 'keyed'
  /** A write without a key (webhook creation): only retried when the API surely did nothing (429, 503). */
  | 'unsafe'
  /** A delete: a 404 on a retry after an ambiguous attempt means the first attempt did it. */
  | 'delete';

export interface RequestSpec {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | undefined> | undefined;
  body?: unknown;
  /** Sends an Idempotency-Key (the caller's or a fresh one, made once for the whole call). */
  idempotent?: boolean;
  replay?: Replay;
}

/** Per-call options of every method. */
export interface CallOptions {
  /** Aborts the call (and its waits); the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Overall budget of this call, every attempt and wait included. Default: the client's. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt. Default: the client's. */
  maxRetries?: number | undefined;
  /** Sees every answer (retries included): status, replay flag, request id. */
  onResponse?: ((info: ResponseInfo) => void) | undefined;
}

/** Options of a write: also its Idempotency-Key and an optimistic-concurrency check. */
export interface WriteOptions extends CallOptions {
  /** Reused by every retry; default a fresh UUID per call. Reuse it yourself to make a call safe to repeat later. */
  idempotencyKey?: string | undefined;
  /** The wallet version the write expects (`If-Match`); 412 version_mismatch otherwise. */
  ifMatch?: number | string | undefined;
}

export interface ResponseInfo {
  status: number;
  /** The API answered from its idempotency record (`Idempotent-Replayed: true`). */
  replayed: boolean;
  requestId: string | undefined;
  /** 1 for the first attempt. */
  attempt: number;
  idempotencyKey: string | undefined;
}

export interface ApiResponse<T> extends ResponseInfo {
  data: T;
  nextCursor: string | null;
  etag: string | undefined;
}

export interface TransportConfig {
  baseUrl: string;
  token: () => string | null | undefined;
  headers: Readonly<Record<string, string>>;
  maxRetries: number;
  timeoutMs: number;
  attemptTimeoutMs: number;
  backoff: BackoffPolicy;
  fetch: typeof fetch;
  random: () => number;
  nowMs: () => number;
  sleep: (durationMs: number, signal?: AbortSignal) => Promise<void>;
}

type Attempt =
  { kind: 'answer'; response: Response; text: string } | { kind: 'no_answer'; timedOut: boolean; cause: unknown };

export class Transport {
  constructor(private readonly config: TransportConfig) {}

  async send<T>(spec: RequestSpec, options: CallOptions & Partial<WriteOptions> = {}): Promise<ApiResponse<T>> {
    const { config } = this;
    const key = spec.idempotent ? (options.idempotencyKey ?? newIdempotencyKey()) : undefined;
    const deadlineMs = config.nowMs() + (options.timeoutMs ?? config.timeoutMs);
    const retriesMax = options.maxRetries ?? config.maxRetries;
    const request = this.requestInit(spec, key, options.ifMatch);
    let ambiguous = false;
    for (let attempt = 1; ; attempt += 1) {
      options.signal?.throwIfAborted();
      const remainingMs = deadlineMs - config.nowMs();
      const outcome = await this.attempt(spec, request, Math.min(config.attemptTimeoutMs, remainingMs), options.signal);
      const info = outcome.kind === 'answer' ? responseInfo(outcome.response, attempt, key) : undefined;
      if (info) options.onResponse?.(info);
      if (outcome.kind === 'answer' && outcome.response.ok) return success<T>(outcome, info!);
      if (outcome.kind === 'answer' && spec.replay === 'delete' && ambiguous && outcome.response.status === 404) {
        return { ...info!, data: undefined as T, nextCursor: null, etag: undefined };
      }
      const error = toError(outcome, attempt, config.nowMs(), spec.replay ?? 'keyed');
      ambiguous ||= isAmbiguous(outcome);
      if (!error.retryable || attempt > retriesMax) throw error;
      const waitMs = retryDelayMs(attempt - 1, error.retryAfterMs, config.backoff, config.random);
      // Giving up now beats a retry that the deadline would cut off half way.
      if (config.nowMs() + waitMs >= deadlineMs) throw error;
      await config.sleep(waitMs, options.signal);
    }
  }

  private requestInit(spec: RequestSpec, key: string | undefined, ifMatch: number | string | undefined): RequestInit {
    const headers: Record<string, string> = { accept: 'application/json', ...this.config.headers };
    const token = this.config.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (key !== undefined) headers['idempotency-key'] = key;
    if (ifMatch !== undefined) headers['if-match'] = entityTag(ifMatch);
    return { method: spec.method, headers, body: spec.body === undefined ? null : JSON.stringify(spec.body) };
  }

  /** One HTTP exchange, body included, bounded by `timeoutMs`; never rejects except for the caller's abort. */
  private async attempt(
    spec: RequestSpec,
    init: RequestInit,
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(0, timeoutMs),
    );
    const onAbort = (): void => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.config.fetch(this.url(spec), { ...init, signal: controller.signal });
      const text = await response.text();
      return { kind: 'answer', response, text };
    } catch (cause) {
      callerSignal?.throwIfAborted();
      return { kind: 'no_answer', timedOut, cause };
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    }
  }

  private url(spec: RequestSpec): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) query.set(name, String(value));
    }
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return `${this.config.baseUrl}${spec.path}${search}`;
  }
}

/** A fresh UUID v4; falls back to getRandomValues where randomUUID is missing (browser pages not served over https). */
export function newIdempotencyKey(): string {
  if (typeof globalThis.crypto?.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `3` → `"3"`; a string already in quotes is sent as it is. */
function entityTag(version: number | string): string {
  const text = String(version);
  return text.startsWith('"') ? text : `"${text}"`;
}

function responseInfo(response: Response, attempt: number, key: string | undefined): ResponseInfo {
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
    requestId: response.headers.get('x-request-id') ?? undefined,
    attempt,
    idempotencyKey: key,
  };
}

function success<T>(outcome: Extract<Attempt, { kind: 'answer' }>, info: ResponseInfo): ApiResponse<T> {
  const etag = outcome.response.headers.get('etag') ?? undefined;
  if (outcome.text === '') return { ...info, data: undefined as T, nextCursor: null, etag };
  const body = parseJson(outcome.text);
  if (typeof body !== 'object' || body === null || !('data' in body)) {
    throw new WalletApiError({
      status: info.status,
      code: 'unexpected_response',
      title: 'Unexpected answer',
      detail: 'the API answered without a JSON { data } body',
      requestId: info.requestId,
      retryable: false,
      attempts: info.attempt,
    });
  }
  const { data, nextCursor } = body as { data: T; nextCursor?: string | null };
  return { ...info, data, nextCursor: nextCursor ?? null, etag };
}

/** No answer, 502 and 504 leave it open whether the server applied the request. */
function isAmbiguous(outcome: Attempt): boolean {
  return outcome.kind === 'no_answer' || outcome.response.status === 502 || outcome.response.status === 504;
}

function toError(outcome: Attempt, attempt: number, nowMs: number, replay: Replay): WalletApiError {
  if (outcome.kind === 'no_answer') {
    return new WalletApiError({
      status: 0,
      code: outcome.timedOut ? 'timeout' : 'network_error',
      title: outcome.timedOut ? 'Timeout' : 'Network error',
      detail: outcome.timedOut ? 'no answer within the attempt timeout' : 'the API could not be reached',
      retryable: replay !== 'unsafe',
      attempts: attempt,
      cause: outcome.cause,
    });
  }
  const { response } = outcome;
  const problem = asRecord(parseJson(outcome.text));
  const text = (name: string): string | undefined => (typeof problem[name] === 'string' ? problem[name] : undefined);
  const code = text('code') ?? 'unexpected_response';
  const retryable = isRetryableAnswer(response.status, text('code')) && (replay !== 'unsafe' || !isAmbiguous(outcome));
  return new WalletApiError({
    status: response.status,
    code,
    title: text('title') ?? (response.statusText || 'Unexpected answer'),
    detail: text('detail') ?? '',
    requestId: text('requestId') ?? response.headers.get('x-request-id') ?? undefined,
    retryable,
    attempts: attempt,
    retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), nowMs),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
