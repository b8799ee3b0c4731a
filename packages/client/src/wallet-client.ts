// WalletClient: one object per API base URL and token, one method per operation. Methods
// resolve to the reply's `data`; every write carries one Idempotency-Key for the whole call.
import { Transport, type ApiResponse, type CallOptions, type RequestSpec, type WriteOptions } from './transport.js';
import type {
  BalanceBody,
  BalanceResult,
  CaptureHoldBody,
  CaptureResult,
  CreateHoldBody,
  CreateWalletBody,
  CreatedWebhook,
  CreateWebhookBody,
  Hold,
  HoldResult,
  ListHoldsQuery,
  ListTransactionsQuery,
  ListWalletsQuery,
  ReversalResult,
  ReverseBody,
  Transaction,
  TransferBody,
  TransferResult,
  VoidHoldBody,
  VoidResult,
  Wallet,
  WebhookEndpoint,
} from './types.js';

export interface WalletClientOptions {
  /** The API origin, e.g. `http://localhost:3000`; `''` for same-origin requests in a browser. */
  baseUrl: string;
  /** Bearer JWT, or a function asked before every attempt (a token that refreshes). */
  token?: string | (() => string | null | undefined);
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** Overall budget of one call, every attempt and wait included. Default 30 000 ms. */
  timeoutMs?: number;
  /** Budget of one attempt (request and reply body). Default 10 000 ms. */
  attemptTimeoutMs?: number;
  /** Ceiling of the first retry's jittered wait; doubles per retry. Default 200 ms. */
  backoffBaseMs?: number;
  /** Largest ceiling of the jittered wait. Default 5 000 ms. */
  backoffMaxMs?: number;
  /** Largest wait a `Retry-After` answer may impose. Default 10 000 ms. */
  retryAfterMaxMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** [0, 1) source of the backoff jitter; default Math.random (tests inject their own). */
  random?: () => number;
  /** Clock in ms; default Date.now. */
  nowMs?: () => number;
  /** Waits `durationMs` unless `signal` aborts first (then rejects with its reason). */
  sleep?: (durationMs: number, signal?: AbortSignal) => Promise<void>;
}

/** A page of a list: the items and the cursor of the next page (null on the last). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const DEFAULTS = {
  maxRetries: 4,
  timeoutMs: 30_000,
  attemptTimeoutMs: 10_000,
  backoffBaseMs: 200,
  backoffMaxMs: 5_000,
  retryAfterMaxMs: 10_000,
};

/** Abortable wait; the default `sleep`. */
export function sleep(durationMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, durationMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class WalletClient {
  readonly wallets: WalletsApi;
  readonly transfers: TransfersApi;
  readonly transactions: TransactionsApi;
  readonly holds: HoldsApi;
  readonly webhooks: WebhooksApi;
  private readonly transport: Transport;

  constructor(options: WalletClientOptions) {
    const settings = { ...DEFAULTS, ...definedOnly(options) };
    const token = options.token;
    this.transport = new Transport({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      token: typeof token === 'function' ? token : () => token,
      headers: options.headers ?? {},
      maxRetries: settings.maxRetries,
      timeoutMs: settings.timeoutMs,
      attemptTimeoutMs: settings.attemptTimeoutMs,
      backoff: {
        baseMs: settings.backoffBaseMs,
        capMs: settings.backoffMaxMs,
        retryAfterMaxMs: settings.retryAfterMaxMs,
      },
      // Bound to globalThis: browsers refuse a fetch called as a method of another object.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      random: options.random ?? Math.random,
      nowMs: options.nowMs ?? Date.now,
      sleep: options.sleep ?? sleep,
    });
    const send = <T>(spec: RequestSpec, call?: WriteOptions): Promise<ApiResponse<T>> =>
      this.transport.send<T>(spec, call);
    this.wallets = new WalletsApi(send);
    this.transfers = new TransfersApi(send);
    this.transactions = new TransactionsApi(send);
    this.holds = new HoldsApi(send);
    this.webhooks = new WebhooksApi(send);
  }

  /** The low-level door: any route, the whole answer (status, replay flag, request id, cursor, ETag). */
  request<T>(spec: RequestSpec, options?: WriteOptions): Promise<ApiResponse<T>> {
    return this.transport.send<T>(spec, options);
  }
}

type Send = <T>(spec: RequestSpec, options?: WriteOptions) => Promise<ApiResponse<T>>;

const id = (value: string): string => encodeURIComponent(value);
const dataOf = async <T>(reply: Promise<ApiResponse<T>>): Promise<T> => (await reply).data;
const pageOf = async <T>(reply: Promise<ApiResponse<T[]>>): Promise<Page<T>> => {
  const { data, nextCursor } = await reply;
  return { data, nextCursor };
};
/** Every item of a list, page after page, following nextCursor (each page is one retried call). */
async function* everyItem<T, Q extends object>(
  list: (query: Q & { cursor?: string }) => Promise<Page<T>>,
  query: Q,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
const write = (method: 'POST', path: string, body: unknown): RequestSpec => ({ method, path, body, idempotent: true });

class WalletsApi {
  constructor(private readonly send: Send) {}

  create(body: CreateWalletBody, options?: WriteOptions): Promise<Wallet> {
    return dataOf(this.send<Wallet>(write('POST', '/api/wallets', body), options));
  }

  /** One page of the caller's wallets (`limit` 1-100, default 100). */
  list(query: ListWalletsQuery = {}, options?: CallOptions): Promise<Page<Wallet>> {
    return pageOf(this.send<Wallet[]>({ method: 'GET', path: '/api/wallets', query: { ...query } }, options));
  }

  /** Every wallet of the caller, page after page. */
  iterate(query: Omit<ListWalletsQuery, 'cursor'> = {}, options?: CallOptions): AsyncGenerator<Wallet> {
    return everyItem((page: ListWalletsQuery) => this.list(page, options), query);
  }

  get(walletId: string, options?: CallOptions): Promise<Wallet> {
    return dataOf(this.send<Wallet>({ method: 'GET', path: `/api/wallets/${id(walletId)}` }, options));
  }

  credit(body: BalanceBody, options?: WriteOptions): Promise<BalanceResult> {
    return dataOf(this.send<BalanceResult>(write('POST', '/api/wallets/credit', body), options));
  }

  debit(body: BalanceBody, options?: WriteOptions): Promise<BalanceResult> {
    return dataOf(this.send<BalanceResult>(write('POST', '/api/wallets/debit', body), options));
  }
}

class TransfersApi {
  constructor(private readonly send: Send) {}

  /** `ifMatch` applies to the source wallet. */
  create(body: TransferBody, options?: WriteOptions): Promise<TransferResult> {
    return dataOf(this.send<TransferResult>(write('POST', '/api/transfers', body), options));
  }
}

class TransactionsApi {
  constructor(private readonly send: Send) {}

  /** One page of a wallet's history, newest first. */
  list(query: ListTransactionsQuery, options?: CallOptions): Promise<Page<Transaction>> {
    return pageOf(this.send<Transaction[]>({ method: 'GET', path: '/api/transactions', query: { ...query } }, options));
  }

  /** Every entry of a wallet, newest first, page after page (each page is one retried call). */
  iterate(query: Omit<ListTransactionsQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<Transaction> {
    return everyItem((page: ListTransactionsQuery) => this.list(page, options), query);
  }

  /** Refund: moves `amount` (default all that is left) of an entry back, as a `reversal` entry. */
  reverse(transactionId: string, body: ReverseBody = {}, options?: WriteOptions): Promise<ReversalResult> {
    const path = `/api/transactions/${id(transactionId)}/reverse`;
    return dataOf(this.send<ReversalResult>(write('POST', path, body), options));
  }
}

class HoldsApi {
  constructor(private readonly send: Send) {}

  /** Reserves `amount` of the wallet's available balance: `{ hold, wallet }`. */
  create(body: CreateHoldBody, options?: WriteOptions): Promise<HoldResult> {
    return dataOf(this.send<HoldResult>(write('POST', '/api/holds', body), options));
  }

  get(holdId: string, options?: CallOptions): Promise<Hold> {
    return dataOf(this.send<Hold>({ method: 'GET', path: `/api/holds/${id(holdId)}` }, options));
  }

  /** One page of a wallet's holds, newest first, optionally of one `status`. */
  list(query: ListHoldsQuery, options?: CallOptions): Promise<Page<Hold>> {
    return pageOf(this.send<Hold[]>({ method: 'GET', path: '/api/holds', query: { ...query } }, options));
  }

  /** Every hold of a wallet (of one `status`, when named), newest first, page after page. */
  iterate(query: Omit<ListHoldsQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<Hold> {
    return everyItem((page: ListHoldsQuery) => this.list(page, options), query);
  }

  /** Once: `amount` defaults to the whole hold; less releases the remainder. */
  capture(holdId: string, body: CaptureHoldBody = {}, options?: WriteOptions): Promise<CaptureResult> {
    return dataOf(this.send<CaptureResult>(write('POST', `/api/holds/${id(holdId)}/capture`, body), options));
  }

  /** Releases the whole hold. */
  void(holdId: string, body: VoidHoldBody = {}, options?: WriteOptions): Promise<VoidResult> {
    return dataOf(this.send<VoidResult>(write('POST', `/api/holds/${id(holdId)}/void`, body), options));
  }
}

class WebhooksApi {
  constructor(private readonly send: Send) {}

  /**
   * The API takes no Idempotency-Key here, so a creation whose reply may have been lost is not
   * resent (that could register the endpoint twice): only 429 and 503 answers are retried.
   */
  create(body: CreateWebhookBody, options?: CallOptions): Promise<CreatedWebhook> {
    const spec: RequestSpec = { method: 'POST', path: '/api/webhooks', body, replay: 'unsafe' };
    return dataOf(this.send<CreatedWebhook>(spec, options));
  }

  list(options?: CallOptions): Promise<Page<WebhookEndpoint>> {
    return pageOf(this.send<WebhookEndpoint[]>({ method: 'GET', path: '/api/webhooks' }, options));
  }

  get(webhookId: string, options?: CallOptions): Promise<WebhookEndpoint> {
    return dataOf(this.send<WebhookEndpoint>({ method: 'GET', path: `/api/webhooks/${id(webhookId)}` }, options));
  }

  /** Resolves once the endpoint is gone, also when a retry finds the first attempt already deleted it. */
  async delete(webhookId: string, options?: CallOptions): Promise<void> {
    await this.send<undefined>({ method: 'DELETE', path: `/api/webhooks/${id(webhookId)}`, replay: 'delete' }, options);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
