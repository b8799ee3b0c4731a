import { randomUUID } from 'node:crypto';
import { VersionConflict, type BalanceCommand, type WriteOutcome } from '@wallet/ledger';
import { assertBalanceBatch, judgeBalanceBatch } from '@wallet/ledger/store-kit';
import { DOC_READ, auditToDoc, entryToDoc, recordFromDoc, recordToDoc } from './mapping.js';
import { isDuplicateKey } from './mongo-errors.js';
import { insertOutboxEvent } from './outbox.js';
import { casWallet, readWallet, type Tx } from './write-common.js';

/**
 * Credits and debits of one wallet inside ONE transaction: read the wallet and the records of
 * the batch's keys (`$in`), judge them in order with the store-kit's judgeBalanceBatch, then
 * compare-and-swap the wallet on the version read, once, to its final state, and insert the
 * entries (seq = running version), outbox events, records and audit rows. A key another
 * request committed meanwhile aborts the transaction with VersionConflict; the core retries
 * the batch, which then reads that record as a prior.
 */
export async function applyBalanceBatch(tx: Tx, commands: BalanceCommand[]): Promise<WriteOutcome[]> {
  assertBalanceBatch(commands);
  // Each (userId, key) pair exactly: the unique index idempotency_user_key answers every branch.
  const pairs = commands.flatMap((command) =>
    command.idempotency ? [{ userId: command.userId, key: command.idempotency.key }] : [],
  );
  const priorDocs =
    pairs.length === 0
      ? []
      : await tx.collections.idempotency.find({ $or: pairs }, { ...tx.options, ...DOC_READ }).toArray();
  const priors = priorDocs.map(recordFromDoc);
  const wallet = await readWallet(tx, commands[0]!.walletId);
  const plan = judgeBalanceBatch(wallet, commands, priors);
  if (plan.wallet && plan.entries.length > 0) {
    await casWallet(tx, plan.wallet.before, plan.wallet.after);
    await tx.collections.entries.insertMany(
      plan.entries.map((entry) => entryToDoc(entry, entry.seq)),
      tx.options,
    );
    // One by one: each event's createdAt is the server's clock ($currentDate in an upsert).
    for (const [index, event] of plan.events.entries()) await insertOutboxEvent(tx, event, plan.entries[index]!.seq);
  }
  if (plan.records.length > 0) {
    try {
      await tx.collections.idempotency.insertMany(
        plan.records.map((record) => recordToDoc(record, randomUUID())),
        tx.options,
      );
    } catch (error) {
      if (isDuplicateKey(error)) throw new VersionConflict('an idempotency key of the batch was taken concurrently');
      throw error;
    }
  }
  if (plan.audits.length > 0) await tx.collections.audit.insertMany(plan.audits.map(auditToDoc), tx.options);
  return plan.outcomes;
}
