import type { BalanceCommand, WriteOutcome } from '@wallet/ledger';
import { actionOf, balanceChangeOf, balanceReply, isRemembered, judgeBalanceChange } from '@wallet/ledger/store-kit';
import { recordRefusal } from './refusal.js';
import { casWallet, insertAudit, insertEntry, readRecord, readWallet, storeOutcome, type Tx } from './write-common.js';

/**
 * A credit or debit, inside one transaction: the key's record first (a replay changes
 * nothing), then the wallet, judged by the shared rules, then the CAS on its version — where
 * the balance changes — with the ledger entry (seq = new version), outbox event, idempotency
 * record and audit event.
 */
export async function applyBalanceChange(tx: Tx, command: BalanceCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const operation = actionOf(command);
  const wallet = await readWallet(tx, command.walletId);
  const verdict = judgeBalanceChange(wallet, command);
  const auditFields = { walletId: command.walletId, amount: command.amount };
  if (!verdict.ok) {
    if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
    return recordRefusal(tx, command, operation, { code: verdict.code, detail: verdict.detail }, auditFields);
  }
  const change = balanceChangeOf(wallet!, command);
  await casWallet(tx, wallet!, change.wallet);
  await insertEntry(tx, change.entry, change.wallet);
  const outcome = await storeOutcome(tx, command, operation, balanceReply(change.wallet, change.entry));
  await insertAudit(tx, command, operation, 'ok', auditFields);
  return outcome;
}
