import type { ClientSession, MongoClient } from 'mongodb';
import type { WebhookEndpoint } from '@wallet/ledger';
import type { Collections } from './collections.js';
import { webhookFromDoc, webhookToDoc } from './mapping.js';
import { isDuplicateKey } from './mongo-errors.js';
import { runTransaction } from './transaction.js';

/** A user's webhook endpoints listed at most (matches the PostgreSQL store). */
export const WEBHOOKS_LISTED_MAX = 100;

/**
 * The endpoints of these (distinct) users, at most WEBHOOKS_LISTED_MAX each. Sorted per user so
 * the per-user cap keeps the same endpoints listWebhooks returns; the overall limit only binds
 * when some user exceeds the cap (the API stops at 20).
 */
export async function webhooksForUsers(
  collections: Collections,
  users: string[],
  timeoutMs: number,
): Promise<WebhookEndpoint[]> {
  if (users.length === 0) return [];
  const docs = await collections.webhooks
    .find(
      { userId: { $in: users } },
      { sort: { userId: 1, createdAt: 1, _id: 1 }, limit: users.length * WEBHOOKS_LISTED_MAX, maxTimeMS: timeoutMs },
    )
    .toArray();
  const perUser = new Map<string, number>();
  return docs
    .filter((doc) => {
      const seen = (perUser.get(doc.userId) ?? 0) + 1;
      perUser.set(doc.userId, seen);
      return seen <= WEBHOOKS_LISTED_MAX;
    })
    .map(webhookFromDoc);
}

/** Thrown inside the transaction (aborting it) when the user's counter is at the cap. */
class LimitReached extends Error {
  override name = 'LimitReached';
}

/** Two first registrations of one user may both try to create its counter; the loser runs again. */
const COUNTER_CREATION_ATTEMPTS_MAX = 3;

export interface WebhookStoreContext {
  client: MongoClient;
  collections: Collections;
  timeoutMs: number;
}

/**
 * The per-user endpoint cap, atomic: in one transaction, the user's counter document is
 * incremented only through a filter that requires `endpoints < max`, then the endpoint is
 * inserted. Two transactions racing on one user both write that document, so one of them
 * hits a write conflict and is retried by the driver, and the retry sees the new count: at
 * most `max` registrations ever pass. A user without a counter (endpoints stored before the
 * counter existed) gets one holding its current endpoint count.
 */
export async function createWebhookCapped(
  context: WebhookStoreContext,
  endpoint: WebhookEndpoint,
  perUserMax: number,
): Promise<'created' | 'limit_reached'> {
  if (!Number.isSafeInteger(perUserMax) || perUserMax < 1) throw new RangeError('perUserMax must be >= 1');
  for (let attempt = 1; ; attempt++) {
    try {
      await runTransaction(context.client, context.timeoutMs, (session) =>
        takeSlotAndInsert(context.collections, { session, maxTimeMS: context.timeoutMs }, endpoint, perUserMax),
      );
      return 'created';
    } catch (error) {
      if (error instanceof LimitReached) return 'limit_reached';
      if (!isDuplicateKey(error) || attempt >= COUNTER_CREATION_ATTEMPTS_MAX) throw error;
    }
  }
}

async function takeSlotAndInsert(
  collections: Collections,
  options: { session: ClientSession; maxTimeMS: number },
  endpoint: WebhookEndpoint,
  perUserMax: number,
): Promise<void> {
  const quotas = collections.webhookQuotas;
  const counter = await quotas.findOne({ _id: endpoint.userId }, options);
  if (!counter) {
    const stored = await collections.webhooks.countDocuments({ userId: endpoint.userId }, options);
    await quotas.insertOne({ _id: endpoint.userId, endpoints: stored }, options);
  }
  const taken = await quotas.updateOne(
    { _id: endpoint.userId, endpoints: { $lt: perUserMax } },
    { $inc: { endpoints: 1 } },
    options,
  );
  if (taken.modifiedCount !== 1) throw new LimitReached();
  await collections.webhooks.insertOne(webhookToDoc(endpoint), options);
}

/** Deletes the endpoint and gives its slot back, in one transaction. */
export async function deleteWebhook(context: WebhookStoreContext, userId: string, id: string): Promise<boolean> {
  return runTransaction(context.client, context.timeoutMs, async (session) => {
    const gone = await context.collections.webhooks.deleteOne(
      { _id: id, userId },
      { session, maxTimeMS: context.timeoutMs },
    );
    if (gone.deletedCount === 0) return false;
    await context.collections.webhookQuotas.updateOne(
      { _id: userId, endpoints: { $gt: 0 } },
      { $inc: { endpoints: -1 } },
      { session, maxTimeMS: context.timeoutMs },
    );
    return true;
  });
}
