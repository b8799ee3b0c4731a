import { VersionConflict, type ReverseCommand, type StoredTransaction, type WriteOutcome } from '@wallet/ledger';
import { counterpartType, isRemembered, judgeReversal, reversalOf, reversalReply } from '@wallet/ledger/store-kit';
import { recordRefusal } from './refusal.js';
import { DOC_READ, entryFromDoc, toLong } from './mapping.js';
import { casWallet, insertAudit, insertEntry, readRecord, readWallet, storeOutcome, type Tx } from './write-common.js';

/** The entry on the other side of `original` (a transfer's other leg, a capture's capture_in and back). */
async function readCounterpart(tx: Tx, original: StoredTransaction): Promise<StoredTransaction | null> {
  const type = counterpartType(original.type);
  if (type === null) return null;
  const filter =
    original.type === 'transfer_in' ? { transferId: original.transferId, type } : { holdId: original.holdId, type };
  const doc = await tx.collections.entries.findOne(filter, { ...tx.options, ...DOC_READ });
  return doc ? entryFromDoc(doc) : null;
}

/** reversedAmount += amount, only if it is still what was read and stays within the amount. */
async function bumpReversed(tx: Tx, entry: StoredTransaction, amount: number): Promise<void> {
  const delta = toLong(amount, 'reversal.amount');
  const result = await tx.collections.entries.updateOne(
    {
      _id: entry.id,
      $and: [
        {
          $or: [
            { reversedAmount: toLong(entry.reversedAmount, 'reversedAmount') },
            ...(entry.reversedAmount === 0 ? [{ reversedAmount: { $exists: false } }] : []),
          ],
        },
        { $expr: { $lte: [{ $add: [{ $ifNull: ['$reversedAmount', 0] }, delta] }, '$amount'] } },
      ],
    },
    { $inc: { reversedAmount: delta } },
    tx.options,
  );
  if (result.matchedCount === 0) throw new VersionConflict(`entry ${entry.id} was reversed meanwhile`);
}

/**
 * A reversal in one transaction: the original and its other side read and judged by the
 * shared rules, then the compare-and-swap on the original's reversedAmount (so concurrent
 * reversals of one entry cannot both pass), the same on the other side, then what the ledger's
 * reversalOf produces: both wallets by version CAS in id order, both reversal entries with their
 * events, and the record (reversalReply) and the audit.
 */
export async function reverseTransaction(tx: Tx, command: ReverseCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const doc = await tx.collections.entries.findOne({ _id: command.originalId }, { ...tx.options, ...DOC_READ });
  const original = doc ? entryFromDoc(doc) : null;
  const wallet = original ? await readWallet(tx, original.walletId) : null;
  const other = original ? await readCounterpart(tx, original) : null;
  const otherWallet = other ? await readWallet(tx, other.walletId) : null;
  const verdict = judgeReversal(original, wallet, otherWallet, command);
  const owned = wallet !== null && wallet.userId === command.userId;
  const fields = { walletId: owned ? wallet.id : null, amount: command.amount ?? null };
  if (!verdict.ok) {
    if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
    return recordRefusal(tx, command, 'transaction.reverse', { code: verdict.code, detail: verdict.detail }, fields);
  }
  const { amount } = verdict.plan!;
  await bumpReversed(tx, original!, amount);
  if (other) await bumpReversed(tx, other, amount);
  const counterpart = other ? { entry: other, wallet: otherWallet! } : null;
  const result = reversalOf(original!, wallet!, counterpart, verdict.plan!, command);
  // Both wallets by version CAS in id order, each with its reversal entry.
  const sides = result.wallets.map((change, i) => ({ ...change, entry: result.entries[i]! }));
  sides.sort((a, b) => (a.before.id < b.before.id ? -1 : 1));
  for (const side of sides) {
    await casWallet(tx, side.before, side.after);
    await insertEntry(tx, side.entry, side.after);
  }
  const outcome = await storeOutcome(
    tx,
    command,
    'transaction.reverse',
    reversalReply(result.reversal, result.originals[0]!, result.wallets[0]!.after),
  );
  await insertAudit(tx, command, 'transaction.reverse', 'ok', { walletId: original!.walletId, amount });
  return outcome;
}
