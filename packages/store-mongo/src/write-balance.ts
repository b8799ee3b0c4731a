import {
  actionOf,
  applyBalanceChange,
  isRemembered,
  judgeBalanceChange,
  type BalanceCommand,
  type Operation,
  type StoredBody,
  type WriteOutcome,
} from '@wallet/ledger';
import {
  casWallet,
  insertAudit,
  insertEntry,
  readRecord,
  readWallet,
  storeOutcome,
  storeRefusal,
  type Tx,
} from './write-common.js';

/**
 * A credit or debit, inside one transaction: the key's record first (a replay changes
 * nothing), then the wallet, judged by the shared rules, then the CAS on its version with
 * the ledger entry (seq = new version), outbox event, idempotency record and audit event.
 */
export async function balanceChangeIn(tx: Tx, command: BalanceCommand): Promise<WriteOutcome> {
  const prior = await readRecord(tx, command);
  if (prior) return { kind: 'existing', record: prior };
  const operation = actionOf(command) as Operation;
  const wallet = await readWallet(tx, command.walletId);
  const verdict = judgeBalanceChange(wallet, command);
  if (!verdict.ok) {
    if (!isRemembered(verdict.code)) return { kind: 'refused', code: verdict.code, detail: verdict.detail };
    return storeRefusal(
      tx,
      command,
      operation,
      { code: verdict.code, detail: verdict.detail },
      { walletId: command.walletId, amount: command.amount },
    );
  }
  const change = applyBalanceChange(wallet!, command);
  await casWallet(tx, wallet!, change.wallet);
  await insertEntry(tx, change.entry, change.wallet);
  const body: StoredBody = {
    data: { transactionId: change.entry.id, wallet: change.wallet, transaction: change.entry },
  };
  const outcome = await storeOutcome(tx, command, operation, { statusCode: 200, body });
  await insertAudit(tx, command, operation, 'ok', { walletId: command.walletId, amount: command.amount });
  return outcome;
}
