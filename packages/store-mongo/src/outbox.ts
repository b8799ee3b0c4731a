import { randomUUID } from 'node:crypto';
import type { Filter } from 'mongodb';
import { invariant, type OutboxEvent } from '@wallet/ledger';
import type { Collections } from './collections.js';
import type { OutboxDoc } from './documents.js';
import { outboxFromDoc } from './mapping.js';

/** Most events one claim or one publish call may touch: a relay batch, never a table scan. */
export const OUTBOX_BATCH_MAX = 1000;
/** Longest lease a relay may take on its events (one hour), so a dead relay's events come back. */
export const OUTBOX_LEASE_MAX_MS = 3_600_000;

const claimable = (now: Date): Filter<OutboxDoc> => ({
  publishedAt: null,
  $or: [{ claimedUntil: null }, { claimedUntil: { $lt: now } }],
});

/**
 * Claims up to `limit` unpublished events, oldest first, for `leaseMs`. Three steps, each
 * safe under concurrent relays: pick candidates; claim them with one update whose filter is
 * re-checked per document atomically (so two relays never both win one event) and which
 * stamps a token unique to this call; read back exactly the events carrying that token.
 */
export async function claimOutbox(
  collections: Collections,
  claim: { limit: number; leaseMs: number; owner: string },
  timeoutMs: number,
): Promise<OutboxEvent[]> {
  invariant(
    Number.isSafeInteger(claim.limit) && claim.limit >= 1 && claim.limit <= OUTBOX_BATCH_MAX,
    'outbox claim limit out of range',
  );
  invariant(
    Number.isSafeInteger(claim.leaseMs) && claim.leaseMs >= 1 && claim.leaseMs <= OUTBOX_LEASE_MAX_MS,
    'outbox lease out of range',
  );
  const now = new Date();
  const candidates = await collections.outbox
    .find(claimable(now), { projection: { _id: 1 }, sort: { seq: 1 }, limit: claim.limit, maxTimeMS: timeoutMs })
    .toArray();
  if (candidates.length === 0) return [];
  const ids = candidates.map((doc) => doc._id);
  const token = randomUUID();
  await collections.outbox.updateMany(
    { _id: { $in: ids }, ...claimable(now) },
    { $set: { claimedBy: claim.owner, claimToken: token, claimedUntil: new Date(now.getTime() + claim.leaseMs) } },
    { maxTimeMS: timeoutMs },
  );
  const won = await collections.outbox
    .find({ _id: { $in: ids }, claimToken: token }, { sort: { seq: 1 }, maxTimeMS: timeoutMs })
    .toArray();
  return won.map(outboxFromDoc);
}

/** Marks events published, only those `owner` still holds (a lapsed lease may have moved on). */
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
    { $set: { publishedAt: new Date() } },
    { maxTimeMS: timeoutMs },
  );
}

export async function outboxLagSeconds(collections: Collections, timeoutMs: number): Promise<number> {
  const oldest = await collections.outbox.findOne(
    { publishedAt: null },
    { sort: { seq: 1 }, projection: { createdAt: 1 }, maxTimeMS: timeoutMs },
  );
  if (!oldest) return 0;
  return Math.max(0, (Date.now() - oldest.createdAt.getTime()) / 1000);
}
