import { Long } from 'mongodb';
import {
  VersionConflict,
  minor,
  type CaptureHoldCommand,
  type CreateHoldCommand,
  type Minor,
  type Operation,
  type StoredHold,
  type Transaction,
  type VoidHoldCommand,
  type Wallet,
  type WriteContext,
  type WriteOutcome,
} from '@wallet/ledger';
import {
  captureReply,
  holdCreatedReply,
  holdEventFor,
  holdVoidedReply,
  isRemembered,
  judgeCapture,
  judgeCreateHold,
  judgeVoid,
  type Verdict,
  publicHold,
  settledMetadata,
} from '@wallet/ledger/store-kit';
import type { HoldDoc } from './documents.js';
import { DOC_READ, fromLong, holdFromDoc, holdToDoc, toDate, toLong, walletFromDoc } from './mapping.js';
import { insertOutboxEvent } from './outbox.js';
import { recordRefusal } from './refusal.js';
import { insertAudit, insertEntry, readRecord, readWallet, storeOutcome, type Tx } from './write-common.js';

/** A hold whose expiresAt is still ahead of the database's clock, as a query condition. */
export const NOT_EXPIRED = { $expr: { $gt: ['$expiresAt', '$$NOW'] } };

/**
 * Changes a wallet's held amount (and balance, when given) in one guarded update: the filter
 * itself requires 0 <= heldBalance + heldDelta <= the new balance, and `version` when the
 * balance changes (every balance change bumps it, holds do not). A miss is a lost race.
 */
export async function updateHeld(
  tx: Tx,
  walletId: string,
  change: { heldDelta: number; now: string; holdCountDelta?: number; balance?: { before: Wallet; after: Minor } },
): Promise<Wallet & { holdCount: number }> {
  const held = { $add: ['$heldBalance', toLong(change.heldDelta, 'heldDelta')] };
  const newBalance = change.balance ? toLong(change.balance.after, 'wallet.balance') : '$balance';
  const filter = {
    _id: walletId,
    ...(change.balance ? { version: toLong(change.balance.before.version, 'wallet.version') } : {}),
    $expr: { $and: [{ $gte: [held, 0] }, { $lte: [held, newBalance] }] },
  };
  const doc = await tx.collections.wallets.findOneAndUpdate(
    filter,
    {
      $inc: {
        heldBalance: toLong(change.heldDelta, 'heldDelta'),
        holdCount: toLong(change.holdCountDelta ?? 0, 'holdCountDelta'),
        version: change.balance ? Long.ONE : Long.ZERO,
      },
      $set: {
        updatedAt: toDate(change.now, 'wallet.updatedAt'),
        ...(change.balance ? { balance: toLong(change.balance.after, 'wallet.balance') } : {}),
      },
    },
    { ...tx.options, ...DOC_READ, returnDocument: 'after' },
  );
  if (!doc) throw new VersionConflict(`wallet ${walletId} moved on before its held amount changed`);
  return { ...walletFromDoc(doc), holdCount: fromLong(doc.holdCount, 'wallet.holdCount') };
}

/** The hold with whether the database's clock has reached its expiresAt, in one read. */
export async function readHold(tx: Tx, holdId: string): Promise<{ hold: StoredHold | null; expired: boolean }> {
  const [doc] = await tx.collections.holds
    .aggregate<HoldDoc & { expiredNow: boolean }>(
      [{ $match: { _id: holdId } }, { $addFields: { expiredNow: { $lte: ['$expiresAt', '$$NOW'] } } }],
      { ...tx.options, ...DOC_READ },
    )
    .toArray();
  if (!doc) return { hold: null, expired: false };
  const { expiredNow, ...hold } = doc;
  return { hold: holdFromDoc(hold), expired: expiredNow };
}

/** The one guarded transition out of `active`: two settlements of one hold never both match. */
async function settle(
  tx: Tx,
  hold: StoredHold,
  change: { status: 'captured' | 'voided'; capturedAmount: Minor; metadata: StoredHold['metadata']; now: string },
): Promise<StoredHold> {
  const settled: StoredHold = {
    ...hold,
    status: change.status,
    capturedAmount: change.capturedAmount,
    metadata: settledMetadata(hold, change.metadata),
    updatedAt: change.now,
  };
  const { metadata: pairs, updatedAt, capturedAmount, status } = holdToDoc(settled);
  const result = await tx.collections.holds.updateOne(
    { _id: hold.id, status: 'active', ...NOT_EXPIRED },
    { $set: { status, capturedAmount, metadata: pairs, updatedAt } },
    tx.options,
  );
  if (result.matchedCount === 0) throw new VersionConflict(`hold ${hold.id} was settled or expired meanwhile`);
  return settled;
}

async function refusal(
  tx: Tx,
  context: WriteContext,
  operation: Operation,
  verdict: Verdict & { ok: false },
  fields: { walletId: string | null; amount: Minor | null },
): Promise<WriteOutcome> {
  if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
  return recordRefusal(tx, context, operation, { code: verdict.code, detail: verdict.detail }, fields);
}

/** A hold: the guarded reservation, the hold (expiresAt from $$NOW), its event, the record and the audit row. */
export async function createHold(tx: Tx, command: CreateHoldCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const fields = { walletId: command.walletId, amount: command.amount };
  const before = await readWallet(tx, command.walletId);
  const verdict = judgeCreateHold(before, command);
  if (!verdict.ok) return refusal(tx, command, 'hold.create', verdict, fields);
  const { holdCount, ...wallet } = await updateHeld(tx, command.walletId, {
    heldDelta: command.amount,
    holdCountDelta: 1,
    now: command.now,
  });
  const draft: StoredHold = {
    id: command.holdId,
    walletId: wallet.id,
    amount: command.amount,
    capturedAmount: minor(0),
    status: 'active',
    expiresAt: command.now,
    createdAt: command.now,
    updatedAt: command.now,
    metadata: command.metadata,
    userId: wallet.userId,
    seq: holdCount,
  };
  await tx.collections.holds.insertOne(holdToDoc(draft), tx.options);
  const ttlMs = toLong(command.ttlSeconds * 1000, 'ttlMs');
  const doc = await tx.collections.holds.findOneAndUpdate(
    { _id: command.holdId },
    [{ $set: { expiresAt: { $add: ['$$NOW', ttlMs] } } }],
    { ...tx.options, ...DOC_READ, returnDocument: 'after' },
  );
  const hold = publicHold(holdFromDoc(doc!));
  await insertOutboxEvent(tx, holdEventFor('hold.created', command.eventId, hold, wallet, command.now), wallet.version);
  const outcome = await storeOutcome(tx, command, 'hold.create', holdCreatedReply(hold, wallet));
  await insertAudit(tx, command, 'hold.create', 'ok', fields);
  return outcome;
}

export async function captureHold(tx: Tx, command: CaptureHoldCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const { hold, expired } = await readHold(tx, command.holdId);
  const source = hold ? await readWallet(tx, hold.walletId) : null;
  const destination = command.toWalletId === undefined ? null : await readWallet(tx, command.toWalletId);
  const verdict = judgeCapture(hold, expired, source, destination, command);
  const fields = { walletId: hold?.walletId ?? null, amount: command.amount ?? null };
  if (!verdict.ok) return refusal(tx, command, 'hold.capture', verdict, fields);
  const amount = command.amount ?? hold!.amount;
  const settled = await settle(tx, hold!, {
    status: 'captured',
    capturedAmount: amount,
    metadata: command.metadata,
    now: command.now,
  });
  // Both wallets in id order, like transfers, so concurrent writers meet them in one order.
  const order = [source!, ...(destination ? [destination] : [])].sort((a, b) => (a.id < b.id ? -1 : 1));
  const after = new Map<string, Wallet>();
  for (const wallet of order) {
    const isSource = wallet.id === source!.id;
    const { holdCount: _count, ...changed } = await updateHeld(tx, wallet.id, {
      heldDelta: isSource ? -hold!.amount : 0,
      now: command.now,
      balance: { before: wallet, after: minor(wallet.balance + (isSource ? -amount : amount)) },
    });
    after.set(wallet.id, changed);
  }
  const entry = (id: string, before: Wallet, type: 'capture' | 'capture_in'): Transaction => ({
    id,
    walletId: before.id,
    type,
    amount,
    balanceBefore: before.balance,
    balanceAfter: after.get(before.id)!.balance,
    status: 'completed',
    holdId: hold!.id,
    reversedAmount: minor(0),
    metadata: settled.metadata,
    createdAt: command.now,
  });
  const debit = entry(command.transactionId, source!, 'capture');
  await insertEntry(tx, debit, after.get(source!.id)!);
  let credit: Transaction | undefined;
  if (destination) {
    credit = entry(command.creditId, destination, 'capture_in');
    await insertEntry(tx, credit, after.get(destination.id)!);
  }
  const reply = captureReply(publicHold(settled), debit, after.get(source!.id)!, credit);
  const outcome = await storeOutcome(tx, command, 'hold.capture', reply);
  await insertAudit(tx, command, 'hold.capture', 'ok', { walletId: hold!.walletId, amount });
  return outcome;
}

export async function voidHold(tx: Tx, command: VoidHoldCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const { hold, expired } = await readHold(tx, command.holdId);
  const verdict = judgeVoid(hold, expired, command);
  const fields = { walletId: hold?.walletId ?? null, amount: hold?.amount ?? null };
  if (!verdict.ok) return refusal(tx, command, 'hold.void', verdict, fields);
  const settled = await settle(tx, hold!, {
    status: 'voided',
    capturedAmount: minor(0),
    metadata: command.metadata,
    now: command.now,
  });
  const { holdCount: _count, ...wallet } = await updateHeld(tx, hold!.walletId, {
    heldDelta: -hold!.amount,
    now: command.now,
  });
  const publicView = publicHold(settled);
  await insertOutboxEvent(
    tx,
    holdEventFor('hold.voided', command.eventId, publicView, wallet, command.now),
    wallet.version,
  );
  const outcome = await storeOutcome(tx, command, 'hold.void', holdVoidedReply(publicView, wallet));
  await insertAudit(tx, command, 'hold.void', 'ok', fields);
  return outcome;
}
