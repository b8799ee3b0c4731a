import type { Collection, Db, IndexDescription } from 'mongodb';
import { Long } from 'mongodb';
import type {
  AuditDoc,
  DeliveryDoc,
  EntryDoc,
  HoldDoc,
  IdempotencyDoc,
  OutboxDoc,
  ReportDoc,
  WalletDoc,
  WebhookDoc,
  WebhookQuotaDoc,
} from './documents.js';

/** Typed handles on every collection the store uses. */
export interface Collections {
  wallets: Collection<WalletDoc>;
  entries: Collection<EntryDoc>;
  holds: Collection<HoldDoc>;
  idempotency: Collection<IdempotencyDoc>;
  outbox: Collection<OutboxDoc>;
  audit: Collection<AuditDoc>;
  webhooks: Collection<WebhookDoc>;
  webhookQuotas: Collection<WebhookQuotaDoc>;
  reports: Collection<ReportDoc>;
  deliveries: Collection<DeliveryDoc>;
}

/**
 * The base of the adapter's query groups (deliveries, reconciliation): the collections and the
 * `maxTimeMS` budget every one of their operations is given.
 */
export abstract class CollectionQueries {
  protected readonly collections: Collections;
  protected readonly timeoutMs: number;

  constructor(collections: Collections, timeoutMs: number) {
    this.collections = collections;
    this.timeoutMs = timeoutMs;
  }
}

export const COLLECTION_NAMES = {
  wallets: 'wallets',
  entries: 'ledger_entries',
  holds: 'holds',
  idempotency: 'idempotency_keys',
  outbox: 'outbox',
  audit: 'audit_events',
  webhooks: 'webhook_endpoints',
  webhookQuotas: 'webhook_quotas',
  reports: 'reconciliation_reports',
  deliveries: 'webhook_deliveries',
} as const satisfies Record<keyof Collections, string>;

export function collectionsOf(db: Db): Collections {
  return {
    wallets: db.collection<WalletDoc>(COLLECTION_NAMES.wallets),
    entries: db.collection<EntryDoc>(COLLECTION_NAMES.entries),
    holds: db.collection<HoldDoc>(COLLECTION_NAMES.holds),
    idempotency: db.collection<IdempotencyDoc>(COLLECTION_NAMES.idempotency),
    outbox: db.collection<OutboxDoc>(COLLECTION_NAMES.outbox),
    audit: db.collection<AuditDoc>(COLLECTION_NAMES.audit),
    webhooks: db.collection<WebhookDoc>(COLLECTION_NAMES.webhooks),
    webhookQuotas: db.collection<WebhookQuotaDoc>(COLLECTION_NAMES.webhookQuotas),
    reports: db.collection<ReportDoc>(COLLECTION_NAMES.reports),
    deliveries: db.collection<DeliveryDoc>(COLLECTION_NAMES.deliveries),
  };
}

/** Seven days: far beyond any purge schedule, so the TTL monitor never races the worker. */
export const IDEMPOTENCY_TTL_GRACE_SECONDS = 7 * 86_400;

/**
 * Every index, by collection. Names are explicit so a second start finds the same index
 * and createIndexes is a no-op; a changed definition fails loudly instead of duplicating.
 */
export const INDEXES: Readonly<Record<keyof Collections, IndexDescription[]>> = {
  wallets: [
    { name: 'wallets_user_currency', key: { userId: 1, currency: 1 }, unique: true },
    { name: 'wallets_user_created', key: { userId: 1, createdAt: 1, _id: 1 } },
  ],
  entries: [
    // Uniqueness of the per-wallet sequence, and history pages newest first, in one index.
    { name: 'entries_wallet_seq', key: { walletId: 1, seq: -1 }, unique: true },
    { name: 'entries_transfer', key: { transferId: 1 }, sparse: true },
    // The other side of a capture (capture / capture_in), found by a reversal.
    { name: 'entries_hold', key: { holdId: 1 }, sparse: true },
  ],
  holds: [
    // Uniqueness of the per-wallet sequence, and the unfiltered list newest first.
    { name: 'holds_wallet_seq', key: { walletId: 1, seq: -1 }, unique: true },
    { name: 'holds_wallet_status_seq', key: { walletId: 1, status: 1, seq: -1 } },
    // The expiry sweep walks only active holds in expiry order.
    { name: 'holds_active_expiry', key: { expiresAt: 1 }, partialFilterExpression: { status: 'active' } },
  ],
  idempotency: [
    { name: 'idempotency_user_key', key: { userId: 1, key: 1 }, unique: true },
    // A backstop, not the schedule: the worker purges expired records in bounded batches
    // (purgeExpiredIdempotency, as with PostgreSQL); if it stops, MongoDB's TTL monitor still
    // deletes records a week past expiresAt, so the collection cannot grow without bound.
    { name: 'idempotency_expiry', key: { expiresAt: 1 }, expireAfterSeconds: IDEMPOTENCY_TTL_GRACE_SECONDS },
  ],
  outbox: [
    // Walks unpublished events in claim order (server time, then wallet and version) without a
    // sort: the claim and the lag probe. Deployments upgraded from the `seq` order keep their
    // old `outbox_pending`/`outbox_pending_seq` indexes unused until an operator drops them.
    { name: 'outbox_pending_order', key: { publishedAt: 1, createdAt: 1, walletId: 1, walletVersion: 1 } },
  ],
  audit: [{ name: 'audit_page', key: { createdAt: -1, _id: -1 } }],
  webhooks: [{ name: 'webhooks_user', key: { userId: 1, createdAt: 1 } }],
  // One document per user, keyed by the user id: nothing else to index.
  webhookQuotas: [],
  reports: [{ name: 'reports_latest', key: { finishedAt: -1 } }],
  deliveries: [
    // The re-relay scan: pending pairs by due time (settled pairs are never read by it).
    { name: 'deliveries_pending_due', key: { state: 1, dueAt: 1 } },
    { name: 'deliveries_event', key: { eventId: 1 } },
  ],
};

/**
 * The database's own check of 0 <= heldBalance <= balance (PostgreSQL's CHECK): a write that
 * would break it fails with DocumentValidationFailure whatever the code above it does. A wallet
 * without heldBalance (written before holds) passes until the backfill sets it.
 */
export const WALLET_VALIDATOR = {
  $expr: {
    $and: [{ $gte: [{ $ifNull: ['$heldBalance', 0] }, 0] }, { $lte: [{ $ifNull: ['$heldBalance', 0] }, '$balance'] }],
  },
};

/** MongoDB's code when a collection already exists (another process created it first). */
const NAMESPACE_EXISTS = 48;

/**
 * Creates the collections and their indexes, idempotently. Collections are created up
 * front because a transaction should not be the one to create them implicitly.
 */
export async function ensureSchema(db: Db, collections: Collections, timeoutMs: number): Promise<void> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true, maxTimeMS: timeoutMs }).toArray()).map((info) => info.name),
  );
  for (const name of Object.values(COLLECTION_NAMES)) {
    if (existing.has(name)) continue;
    try {
      await db.createCollection(name);
    } catch (error) {
      if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
    }
  }
  await db.command({ collMod: COLLECTION_NAMES.wallets, validator: WALLET_VALIDATOR, validationLevel: 'strict' });
  // Wallets written before holds existed hold nothing yet.
  await collections.wallets.updateMany(
    { heldBalance: { $exists: false } },
    { $set: { heldBalance: Long.ZERO, holdCount: Long.ZERO } },
    { maxTimeMS: timeoutMs },
  );
  for (const [collection, indexes] of Object.entries(INDEXES) as Array<[keyof Collections, IndexDescription[]]>) {
    if (indexes.length === 0) continue; // createIndexes refuses an empty list.
    await collections[collection].createIndexes(indexes, { maxTimeMS: timeoutMs });
  }
}
