import { randomUUID } from 'node:crypto';
import type { ClientSession, MongoClient } from 'mongodb';
import { invariant, type ExpireHoldsCommand, type Hold, type HoldStatus, type StoredHold } from '@wallet/ledger';
import { auditEventFor, holdEventFor, publicHold } from '@wallet/ledger/store-kit';
import type { Collections } from './collections.js';
import { DOC_READ, auditToDoc, holdFromDoc, toDate, toLong } from './mapping.js';
import { insertOutboxEvent } from './outbox.js';
import { updateHeld } from './holds.js';
import { runTransaction } from './transaction.js';

/** Most holds one sweep call releases (the ledger core asks for fewer). */
export const EXPIRE_BATCH_MAX = 1000;

export async function getHold(collections: Collections, holdId: string, timeoutMs: number): Promise<StoredHold | null> {
  const doc = await collections.holds.findOne({ _id: holdId }, { maxTimeMS: timeoutMs, ...DOC_READ });
  return doc ? holdFromDoc(doc) : null;
}

/** Newest first on the per-wallet seq, through holds_wallet_seq or holds_wallet_status_seq. */
export async function listHolds(
  collections: Collections,
  walletId: string,
  page: { status?: HoldStatus; limit: number; beforeSeq?: number },
  timeoutMs: number,
): Promise<StoredHold[]> {
  const filter = {
    walletId,
    ...(page.status === undefined ? {} : { status: page.status }),
    ...(page.beforeSeq === undefined ? {} : { seq: { $lt: toLong(page.beforeSeq, 'beforeSeq') } }),
  };
  const docs = await collections.holds
    .find(filter, { sort: { seq: -1 }, limit: page.limit, maxTimeMS: timeoutMs, ...DOC_READ })
    .toArray();
  return docs.map(holdFromDoc);
}

const DUE = { status: 'active' as const, $expr: { $lte: ['$expiresAt', '$$NOW'] } };

/**
 * One sweep batch: candidates past expiresAt by the database's clock, then each released in
 * its own transaction by a guarded update (still active, still past due), so concurrent
 * sweepers, captures and voids of one hold never both win; the loser's update matches nothing.
 */
export async function expireHolds(
  client: MongoClient,
  collections: Collections,
  command: ExpireHoldsCommand,
  timeoutMs: number,
): Promise<Hold[]> {
  invariant(
    Number.isSafeInteger(command.limit) && command.limit >= 1 && command.limit <= EXPIRE_BATCH_MAX,
    'expire limit out of range',
  );
  const due = await collections.holds
    .find(DUE, { projection: { _id: 1 }, sort: { expiresAt: 1 }, limit: command.limit, maxTimeMS: timeoutMs })
    .toArray();
  const released: Hold[] = [];
  for (const { _id } of due) {
    const hold = await runTransaction(client, timeoutMs, (session) =>
      expireOne(collections, session, _id, command, timeoutMs),
    );
    if (hold) released.push(hold);
  }
  return released;
}

async function expireOne(
  collections: Collections,
  session: ClientSession,
  holdId: string,
  command: ExpireHoldsCommand,
  timeoutMs: number,
): Promise<Hold | null> {
  const tx = { collections, session, options: { session, maxTimeMS: timeoutMs } };
  const doc = await collections.holds.findOneAndUpdate(
    { _id: holdId, ...DUE },
    { $set: { status: 'expired', updatedAt: toDate(command.now, 'now') } },
    { ...tx.options, ...DOC_READ, returnDocument: 'after' },
  );
  if (!doc) return null;
  const hold = publicHold(holdFromDoc(doc));
  const { holdCount: _count, ...wallet } = await updateHeld(tx, hold.walletId, {
    heldDelta: -hold.amount,
    now: command.now,
  });
  await insertOutboxEvent(tx, holdEventFor('hold.expired', randomUUID(), hold, wallet, command.now), wallet.version);
  const context = { userId: 'system', requestId: command.requestId, ip: '-', now: command.now };
  const audit = auditEventFor(context, 'hold.expire', 'ok', {
    id: randomUUID(),
    walletId: hold.walletId,
    amount: hold.amount,
  });
  await collections.audit.insertOne(auditToDoc(audit), tx.options);
  return hold;
}
