import { randomUUID } from 'node:crypto';
import { invariant, type LedgerStore, type ReconciliationReport, type WalletAudit } from '@wallet/ledger';

/** Wallets read per round trip: bounded memory however many wallets exist. */
export const RECONCILE_PAGE_SIZE = 500;
/** Mismatches kept in one report (the gauge still counts them all). */
export const REPORT_MISMATCHES_MAX = 1000;
/** Unbalanced transfers (and, separately, mismatched reversals) listed per run. */
const UNBALANCED_TRANSFERS_MAX = 1000;

export type Mismatch = ReconciliationReport['mismatches'][number];

export interface ReconcileOptions {
  pageSize?: number;
  clock?: () => Date;
  /** Called for every mismatch found, e.g. to log it. */
  onMismatch?: (mismatch: Mismatch) => void;
}

export interface ReconcileResult {
  report: ReconciliationReport;
  /** All mismatches found, also those beyond REPORT_MISMATCHES_MAX. */
  mismatchCount: number;
}

/** Every way one wallet can disagree with its own ledger entries. */
export function walletMismatches(audit: WalletAudit): Mismatch[] {
  const found: Mismatch[] = [];
  const walletId = audit.walletId;
  if (audit.balance < 0)
    found.push({ kind: 'negative_balance', walletId, detail: `balance ${audit.balance} is negative` });
  if (audit.balance !== audit.entrySum) {
    found.push({
      kind: 'balance_mismatch',
      walletId,
      detail: `balance ${audit.balance} but entries sum to ${audit.entrySum}`,
    });
  }
  if (audit.version !== audit.entryCount) {
    found.push({
      kind: 'version_mismatch',
      walletId,
      detail: `version ${audit.version} but ${audit.entryCount} entries`,
    });
  }
  if (audit.heldBalance !== audit.activeHoldSum) {
    found.push({
      kind: 'held_mismatch',
      walletId,
      detail: `heldBalance ${audit.heldBalance} but active holds sum to ${audit.activeHoldSum}`,
    });
  }
  if (audit.heldBalance < 0 || audit.heldBalance > audit.balance) {
    found.push({
      kind: 'held_out_of_range',
      walletId,
      detail: `heldBalance ${audit.heldBalance} outside [0, ${audit.balance}]`,
    });
  }
  const expectedLast = audit.entryCount === 0 ? null : audit.balance;
  if (audit.lastBalanceAfter !== expectedLast) {
    found.push({
      kind: 'last_entry_mismatch',
      walletId,
      detail: `balance ${audit.balance} but last entry leaves ${audit.lastBalanceAfter}`,
    });
  }
  return found;
}

/**
 * Checks every wallet against its entries, a page at a time in id order, then the
 * transfers, and stores the report. Read-only on the ledger: it reports, it never repairs.
 */
export async function runReconciliation(store: LedgerStore, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const clock = options.clock ?? (() => new Date());
  const pageSize = options.pageSize ?? RECONCILE_PAGE_SIZE;
  const startedAt = clock().toISOString();
  const mismatches: Mismatch[] = [];
  let mismatchCount = 0;
  const record = (mismatch: Mismatch) => {
    mismatchCount += 1;
    options.onMismatch?.(mismatch);
    if (mismatches.length < REPORT_MISMATCHES_MAX) mismatches.push(mismatch);
  };

  let walletsChecked = 0;
  let afterId: string | undefined;
  for (;;) {
    const page = await store.auditWallets(afterId === undefined ? { limit: pageSize } : { afterId, limit: pageSize });
    for (const audit of page) {
      invariant(afterId === undefined || audit.walletId > afterId, 'auditWallets must page in ascending id order');
      afterId = audit.walletId;
      walletsChecked += 1;
      walletMismatches(audit).forEach(record);
    }
    if (page.length < pageSize) break;
  }
  for (const transfer of await store.unbalancedTransfers(UNBALANCED_TRANSFERS_MAX)) {
    record({ kind: 'unbalanced_transfer', transferId: transfer.transferId, detail: transfer.detail });
  }
  for (const entry of await store.unbalancedReversals(UNBALANCED_TRANSFERS_MAX)) {
    record({
      kind: 'reversal_mismatch',
      transactionId: entry.transactionId,
      detail: `reversedAmount ${entry.reversedAmount} of ${entry.amount}, reversals sum to ${entry.reversalSum}`,
    });
  }
  const transfersChecked = await store.countTransfers();
  const report: ReconciliationReport = {
    id: randomUUID(),
    startedAt,
    finishedAt: clock().toISOString(),
    walletsChecked,
    transfersChecked,
    mismatches,
  };
  await store.saveReconciliationReport(report);
  return { report, mismatchCount };
}
