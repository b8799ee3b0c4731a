import { randomUUID } from 'node:crypto';
import {
  LedgerError,
  VersionConflict,
  WEBHOOKS_PER_USER_MAX,
  type LedgerStore,
  type OutboxEventType,
  type WebhookEndpoint,
} from '@wallet/ledger';
import { checkWebhookUrl, generateWebhookSecret, type Resolver } from '@wallet/webhooks';

/** An endpoint as its owner sees it: never the secret (shown once, at creation) nor the user id. */
export type PublicEndpoint = Omit<WebhookEndpoint, 'secret' | 'userId'>;

export interface WebhookServiceOptions {
  /** WEBHOOK_ALLOW_PRIVATE: accept loopback and private addresses (tests, local use). */
  allowPrivate: boolean;
  /** DNS for the URL check; default the system resolver, bounded. */
  resolver?: Resolver;
}

const publicEndpoint = ({ secret: _secret, userId: _userId, ...endpoint }: WebhookEndpoint): PublicEndpoint => endpoint;

/**
 * The caller's webhook endpoints. A URL is accepted only when every address its host
 * resolves to is public (the worker checks again, on the address it connects to, at every
 * delivery); the per-user cap is enforced by the store, atomically.
 */
export class WebhookService {
  readonly #store: LedgerStore;
  readonly #options: WebhookServiceOptions;

  constructor(store: LedgerStore, options: WebhookServiceOptions) {
    this.#store = store;
    this.#options = options;
  }

  async register(
    userId: string,
    input: { url: string; events?: OutboxEventType[] },
  ): Promise<PublicEndpoint & { secret: string }> {
    const check = await checkWebhookUrl(input.url, this.#options);
    if (!check.ok) throw new LedgerError('validation_failed', check.reason);
    const endpoint: WebhookEndpoint = {
      id: randomUUID(),
      userId,
      url: check.url.href,
      events: input.events ?? [],
      secret: generateWebhookSecret(),
      createdAt: new Date().toISOString(),
    };
    const outcome = await conflictsAsRetryable(() => this.#store.createWebhook(endpoint, WEBHOOKS_PER_USER_MAX));
    if (outcome === 'limit_reached') {
      throw new LedgerError('webhook_limit_reached', `at most ${WEBHOOKS_PER_USER_MAX} webhook endpoints per user`);
    }
    return { ...publicEndpoint(endpoint), secret: endpoint.secret };
  }

  async list(userId: string): Promise<PublicEndpoint[]> {
    return (await this.#store.listWebhooks(userId)).map(publicEndpoint);
  }

  async get(userId: string, id: string): Promise<PublicEndpoint> {
    const endpoint = await this.#store.getWebhook(userId, id);
    if (!endpoint) throw new LedgerError('not_found', 'no such webhook endpoint');
    return publicEndpoint(endpoint);
  }

  async remove(userId: string, id: string): Promise<void> {
    const deleted = await conflictsAsRetryable(() => this.#store.deleteWebhook(userId, id));
    if (!deleted) throw new LedgerError('not_found', 'no such webhook endpoint');
  }
}

/**
 * A store whose transactions retry write conflicts (MongoDB) gives up with VersionConflict
 * when one user's registrations keep colliding past its bound: nothing was written, so the
 * client may simply retry.
 */
async function conflictsAsRetryable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof VersionConflict)) throw error;
    throw new LedgerError('concurrent_modification', 'concurrent changes to your webhook endpoints; retry', {
      retryAfterSeconds: 1,
      cause: error,
    });
  }
}
