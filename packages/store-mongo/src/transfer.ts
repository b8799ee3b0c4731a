import type { TransferCommand, Wallet, WriteOutcome } from '@wallet/ledger';
import { isRemembered, judgeTransfer, transferEntries, transferReply } from '@wallet/ledger/store-kit';
import { recordRefusal } from './refusal.js';
import { casWallet, insertAudit, insertEntry, readRecord, readWallet, storeOutcome, type Tx } from './write-common.js';

/**
 * A transfer, inside one transaction: both wallets are read and judged by the shared rules,
 * then updated by CAS in id order (where the balances change) (a fixed order, like the PostgreSQL store's row locks),
 * with both legs, both outbox events, the idempotency record and one audit event.
 */
export async function transfer(tx: Tx, command: TransferCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const from = await readWallet(tx, command.fromWalletId);
  const to = command.toWalletId === command.fromWalletId ? from : await readWallet(tx, command.toWalletId);
  const verdict = judgeTransfer(from, to, command);
  const auditFields = { walletId: command.fromWalletId, amount: command.amount };
  if (!verdict.ok) {
    if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
    return recordRefusal(tx, command, 'transfer.create', { code: verdict.code, detail: verdict.detail }, auditFields);
  }
  const { debit, credit } = transferEntries(from!, to!, command);
  const fromAfter: Wallet = {
    ...from!,
    balance: debit.balanceAfter,
    version: from!.version + 1,
    updatedAt: command.now,
  };
  const toAfter: Wallet = { ...to!, balance: credit.balanceAfter, version: to!.version + 1, updatedAt: command.now };
  const updates: Array<[Wallet, Wallet]> = [
    [from!, fromAfter],
    [to!, toAfter],
  ];
  updates.sort(([a], [b]) => (a.id < b.id ? -1 : 1));
  for (const [before, after] of updates) await casWallet(tx, before, after);
  await insertEntry(tx, debit, fromAfter);
  await insertEntry(tx, credit, toAfter);
  const reply = transferReply(command.transferId, debit, credit);
  const outcome = await storeOutcome(tx, command, 'transfer.create', reply);
  await insertAudit(tx, command, 'transfer.create', 'ok', auditFields);
  return outcome;
}
