import { randomUUID } from 'node:crypto';
import type { ClientSession, Document, Filter, Sort } from 'mongodb';
import { invariant, type OutboxEvent, type OutboxRound, type OutboxRoundClaim } from '@wallet/ledger';
import type { Collections } from './collections.js';
import type { OutboxDoc } from './documents.js';
import { DOC_READ, outboxFromDoc, outboxToDoc } from './mapping.js';
import { webhooksForUsers } from './webhooks.js';

/** Most events one claim or one publish call may touch: a relay batch, never a table scan. */
export const OUTBOX_BATCH_MAX = 1000;
/** Longest lease a relay may take on its events (one hour), so a dead relay's events come back. */
export const OUTBOX_LEASE_MAX_MS = 3_600_000;

/**
 * Claim order, as PostgreSQL's bigserial gives it: the server's clock at insert, then, for
 * events of one wallet written in the same millisecond, the wallet's version (a wallet's
 * writes are serialised by its compare-and-swap, so its later event is never written first).
 * The `outbox_pending_order` index serves it, with `publishedAt` in front.
 */
export const OUTBOX_ORDER: Sort = { createdAt: 1, walletId: 1, walletVersion: 1 };

/** Unpublished, with a lease that is free or lapsed on the server's clock ($$NOW). */
const CLAIMABLE: Filter<OutboxDoc> = {
  publishedAt: null,
  $or: [{ claimedUntil: null }, { $expr: { $lt: ['$claimedUntil', '$$NOW'] } }],
};

/**
 * Writes the outbox event of a ledger entry inside the write's transaction. An upsert that
 * only inserts, so `$currentDate` can stamp `createdAt` with the server's clock.
 */
export async function insertOutboxEvent(
  tx: { collections: Collections; options: { session: ClientSession; maxTimeMS: number } },
  event: OutboxEvent,
  walletVersion: number,
): Promise<void> {
  const { _id, ...fields } = outboxToDoc(event, walletVersion);
  await tx.collections.outbox.updateOne(
    { _id },
    { $setOnInsert: fields, $currentDate: { createdAt: true } },
    { ...tx.options, upsert: true },
  );
}

/**
 * Claims up to `limit` unpublished events, oldest first, for `leaseMs`. Three steps, each
 * safe under concurrent relays: pick candidates; claim them with one update whose filter is
 * re-checked per document atomically (so two relays never both win one event) and which
 * stamps a token unique to this call and a lease end computed by the server ($$NOW); read
 * back exactly the events carrying that token.
 */
export async function claimOutbox(
  collections: Collections,
  claim: { limit: number; leaseMs: number; owner: string },
  timeoutMs: number,
  excluded: string[] = [],
): Promise<OutboxEvent[]> {
  invariant(
    Number.isSafeInteger(claim.limit) && claim.limit >= 1 && claim.limit <= OUTBOX_BATCH_MAX,
    'outbox claim limit out of range',
  );
  invariant(
    Number.isSafeInteger(claim.leaseMs) && claim.leaseMs >= 1 && claim.leaseMs <= OUTBOX_LEASE_MAX_MS,
    'outbox lease out of range',
  );
  const candidates = await collections.outbox
    .find(excluded.length === 0 ? CLAIMABLE : { ...CLAIMABLE, _id: { $nin: excluded } }, {
      projection: { _id: 1 },
      sort: OUTBOX_ORDER,
      limit: claim.limit,
      maxTimeMS: timeoutMs,
    })
    .toArray();
  if (candidates.length === 0) return [];
  const ids = candidates.map((doc) => doc._id);
  const token = randomUUID();
  const lease: Document[] = [
    {
      $set: {
        claimedBy: { $literal: claim.owner },
        claimToken: token,
        claimedUntil: { $add: ['$$NOW', claim.leaseMs] },
      },
    },
  ];
  await collections.outbox.updateMany({ _id: { $in: ids }, ...CLAIMABLE }, lease, { maxTimeMS: timeoutMs });
  const won = await collections.outbox
    .find({ _id: { $in: ids }, claimToken: token }, { sort: OUTBOX_ORDER, maxTimeMS: timeoutMs, ...DOC_READ })
    .toArray();
  return won.map(outboxFromDoc);
}

/** Marks events published (server clock), only those `owner` still holds (a lapsed lease may have moved on). */
export async function markOutboxPublished(
  collections: Collections,
  ids: string[],
  owner: string,
  timeoutMs: number,
): Promise<void> {
  if (ids.length === 0) return;
  invariant(ids.length <= OUTBOX_BATCH_MAX, 'too many outbox ids in one call');
  await collections.outbox.updateMany(
    { _id: { $in: ids }, claimedBy: owner, publishedAt: null },
    [{ $set: { publishedAt: '$$NOW' } }],
    { maxTimeMS: timeoutMs },
  );
}

/** Age of the oldest unpublished event, measured on the server's clock like its createdAt. */
/**
 * A relay round: the handed-on ids are marked published first (those this owner still holds);
 * then the claim, which leaves them out whoever holds them; then the claimed users' endpoints. Three calls in
 * that order (PostgreSQL does them in one statement); each is safe on its own, so a failure
 * between them only leaves work for the next round.
 */
export async function claimOutboxRound(
  collections: Collections,
  round: OutboxRoundClaim,
  timeoutMs: number,
): Promise<OutboxRound> {
  await markOutboxPublished(collections, round.published, round.owner, timeoutMs);
  const events = await claimOutbox(collections, round, timeoutMs, round.published);
  const users = [...new Set(events.map((event) => event.userId))];
  return { events, endpoints: await webhooksForUsers(collections, users, timeoutMs) };
}

export async function outboxLagSeconds(collections: Collections, timeoutMs: number): Promise<number> {
  const [oldest] = await collections.outbox
    .aggregate<{ lagMs: unknown }>(
      [
        { $match: { publishedAt: null } },
        { $sort: OUTBOX_ORDER },
        { $limit: 1 },
        { $project: { _id: 0, lagMs: { $toDouble: { $subtract: ['$$NOW', '$createdAt'] } } } },
      ],
      { maxTimeMS: timeoutMs },
    )
    .toArray();
  const lagMs = Number(oldest?.lagMs ?? 0);
  return Number.isFinite(lagMs) ? Math.max(0, lagMs / 1000) : 0;
}
