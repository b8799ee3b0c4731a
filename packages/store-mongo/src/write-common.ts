import { randomUUID } from 'node:crypto';
import type { ClientSession } from 'mongodb';
import {
  VersionConflict,
  type IdempotencyRecord,
  type Minor,
  type Operation,
  type Transaction,
  type Wallet,
  type WriteContext,
  type WriteOutcome,
} from '@wallet/ledger';
import { auditEventFor, idempotencyRecordFor, outboxEventFor, type Reply } from '@wallet/ledger/store-kit';
import type { Collections } from './collections.js';
import {
  DOC_READ,
  auditToDoc,
  entryToDoc,
  recordFromDoc,
  recordToDoc,
  toDate,
  toLong,
  walletFromDoc,
} from './mapping.js';
import { isDuplicateKey } from './mongo-errors.js';
import { insertOutboxEvent } from './outbox.js';

/** What every step of a money-moving transaction works with. */
export interface Tx {
  collections: Collections;
  session: ClientSession;
  /** Every operation of the transaction runs with these: the session and `maxTimeMS`. */
  options: { session: ClientSession; maxTimeMS: number };
}

/**
 * Thrown (inside a transaction, which it aborts) when the idempotency key was taken by a
 * concurrent request that committed first; the caller then replays that request's record.
 */
export class KeyTaken extends Error {
  override name = 'KeyTaken';
}

export async function readRecord(tx: Tx, context: WriteContext): Promise<IdempotencyRecord | null> {
  if (!context.idempotency) return null;
  const doc = await tx.collections.idempotency.findOne(
    { userId: context.userId, key: context.idempotency.key },
    { ...tx.options, ...DOC_READ },
  );
  return doc ? recordFromDoc(doc) : null;
}

export async function readWallet(tx: Tx, walletId: string): Promise<Wallet | null> {
  const doc = await tx.collections.wallets.findOne({ _id: walletId }, { ...tx.options, ...DOC_READ });
  return doc ? walletFromDoc(doc) : null;
}

/**
 * Compare-and-swap on the version read earlier in this transaction. Under snapshot
 * isolation a concurrent commit usually surfaces as a WriteConflict (which the driver
 * retries); a miss here is the same lost race, answered with VersionConflict.
 */
export async function casWallet(tx: Tx, before: Wallet, after: Wallet): Promise<void> {
  const result = await tx.collections.wallets.updateOne(
    {
      _id: before.id,
      version: toLong(before.version, 'wallet.version'),
      // Holds change heldBalance without a new version: the new balance must still cover it.
      $expr: { $lte: ['$heldBalance', toLong(after.balance, 'wallet.balance')] },
    },
    {
      // The new version, not an increment: a balance batch moves it by its number of entries.
      $set: {
        balance: toLong(after.balance, 'wallet.balance'),
        updatedAt: toDate(after.updatedAt, 'wallet.updatedAt'),
        version: toLong(after.version, 'wallet.version'),
      },
    },
    tx.options,
  );
  if (result.matchedCount === 0) throw new VersionConflict(`wallet ${before.id} moved past version ${before.version}`);
}

/** One ledger entry with its outbox event; `wallet` is the wallet after the change. */
export async function insertEntry(tx: Tx, entry: Transaction, wallet: Wallet): Promise<void> {
  await tx.collections.entries.insertOne(entryToDoc(entry, wallet.version), tx.options);
  await insertOutboxEvent(tx, outboxEventFor(entry, wallet), wallet.version);
}

/** Inserts the key's record (when a key was sent); returns the outcome this call stored. */
export async function storeOutcome(
  tx: Tx,
  context: WriteContext,
  operation: Operation,
  reply: Reply,
): Promise<WriteOutcome> {
  if (context.idempotency) {
    const record = idempotencyRecordFor({ ...context, idempotency: context.idempotency }, operation, reply);
    try {
      await tx.collections.idempotency.insertOne(recordToDoc(record, randomUUID()), tx.options);
    } catch (error) {
      if (isDuplicateKey(error)) throw new KeyTaken('idempotency key taken concurrently', { cause: error });
      throw error;
    }
  }
  // Same shape as the PostgreSQL store: the core reads the status and body, not the record.
  return { kind: 'stored', statusCode: reply.statusCode, body: reply.body };
}

export async function insertAudit(
  tx: Tx,
  context: WriteContext,
  operation: Operation,
  outcome: string,
  fields: { walletId: string | null; amount: Minor | null },
): Promise<void> {
  const event = auditEventFor(context, operation, outcome, { id: randomUUID(), ...fields });
  await tx.collections.audit.insertOne(auditToDoc(event), tx.options);
}

/**
 * After a KeyTaken: the concurrent request committed its record, so replay it. Read on the
 * primary with majority read concern, so the committed record is visible.
 */
export async function existingAfterRace(
  collections: Collections,
  context: WriteContext,
  timeoutMs: number,
): Promise<WriteOutcome> {
  const key = context.idempotency?.key;
  const doc =
    key === undefined
      ? null
      : await collections.idempotency.findOne(
          { userId: context.userId, key },
          { readPreference: 'primary', readConcern: { level: 'majority' }, maxTimeMS: timeoutMs, ...DOC_READ },
        );
  // The record vanished (purged in between): retrying the write from the start is safe.
  if (!doc) throw new VersionConflict('idempotency record vanished after a key race');
  return { kind: 'existing', record: recordFromDoc(doc) };
}
