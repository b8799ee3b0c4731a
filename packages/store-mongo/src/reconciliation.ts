import { Long } from 'mongodb';
import { invariant, type ReconciliationReport, type ReversalAudit, type WalletAudit } from '@wallet/ledger';
import { COLLECTION_NAMES, CollectionQueries } from './collections.js';
import { DOC_READ, fromLong, reportFromDoc, reportToDoc } from './mapping.js';

/** Largest page of wallets or transfers one reconciliation call reads. */
export const RECONCILE_PAGE_MAX = 10_000;
/** Ledger entries one transfer aggregation groups at most (about 2 500 transfers). */
export const TRANSFER_CHUNK_ENTRIES = 5000;

interface WalletAuditRow {
  _id: string;
  balance: unknown;
  version: unknown;
  heldBalance?: unknown;
  totals: Array<{ sum: unknown; count: unknown }>;
  last: Array<{ balanceAfter: unknown }>;
  held: Array<{ sum: unknown }>;
}

interface TransferRow {
  _id: string;
  outs: unknown;
  ins: unknown;
  outSum: unknown;
  inSum: unknown;
}

/** Both legs' sums, checked within the safe integer range by fromLong, then compared exactly. */
const sameAmount = (row: TransferRow): boolean => fromLong(row.outSum, 'outSum') === fromLong(row.inSum, 'inSum');

/** Signed effect of an entry on its wallet, as an aggregation expression (int64 stays int64). */
const SIGNED_AMOUNT = {
  $switch: {
    branches: [
      { case: { $in: ['$type', ['credit', 'transfer_in', 'capture_in']] }, then: '$amount' },
      // A reversal's sign is the direction its balances moved.
      {
        case: { $eq: ['$type', 'reversal'] },
        then: {
          $cond: [{ $gt: ['$balanceAfter', '$balanceBefore'] }, '$amount', { $subtract: [0, '$amount'] }],
        },
      },
    ],
    default: { $subtract: [0, '$amount'] },
  },
};

/**
 * Read-only aggregates for the reconciliation job, paged so nothing loads every wallet.
 * Aggregations may scan many entries, so they get `timeoutMs` (longer than a point read).
 */
export class Reconciliation extends CollectionQueries {
  /** Wallets in id order after `afterId`, each with the sum, count and last balance of its entries. */
  async auditWallets(page: { afterId?: string; limit: number }): Promise<WalletAudit[]> {
    invariant(
      Number.isSafeInteger(page.limit) && page.limit >= 1 && page.limit <= RECONCILE_PAGE_MAX,
      'audit page limit out of range',
    );
    const rows = await this.collections.wallets
      .aggregate<WalletAuditRow>(
        [
          { $match: page.afterId === undefined ? {} : { _id: { $gt: page.afterId } } },
          { $sort: { _id: 1 } },
          { $limit: page.limit },
          {
            $lookup: {
              from: COLLECTION_NAMES.entries,
              localField: '_id',
              foreignField: 'walletId',
              as: 'totals',
              pipeline: [{ $group: { _id: null, sum: { $sum: SIGNED_AMOUNT }, count: { $sum: 1 } } }],
            },
          },
          {
            $lookup: {
              from: COLLECTION_NAMES.entries,
              localField: '_id',
              foreignField: 'walletId',
              as: 'last',
              pipeline: [{ $sort: { seq: -1 } }, { $limit: 1 }, { $project: { _id: 0, balanceAfter: 1 } }],
            },
          },
          {
            $lookup: {
              from: COLLECTION_NAMES.holds,
              localField: '_id',
              foreignField: 'walletId',
              as: 'held',
              pipeline: [{ $match: { status: 'active' } }, { $group: { _id: null, sum: { $sum: '$amount' } } }],
            },
          },
          { $project: { balance: 1, version: 1, heldBalance: 1, totals: 1, last: 1, held: 1 } },
        ],
        { maxTimeMS: this.timeoutMs, ...DOC_READ },
      )
      .toArray();
    return rows.map((row) => {
      const totals = row.totals[0];
      const last = row.last[0];
      return {
        walletId: row._id,
        balance: fromLong(row.balance, 'wallet.balance'),
        version: fromLong(row.version, 'wallet.version'),
        entrySum: totals ? fromLong(totals.sum, 'entries.sum') : 0,
        entryCount: totals ? fromLong(totals.count, 'entries.count') : 0,
        lastBalanceAfter: last ? fromLong(last.balanceAfter, 'entry.balanceAfter') : null,
        heldBalance: fromLong(row.heldBalance ?? Long.ZERO, 'wallet.heldBalance'),
        activeHoldSum: row.held[0] ? fromLong(row.held[0].sum, 'holds.sum') : 0,
      };
    });
  }

  /** Transfers without exactly one leg each way, or whose legs' amounts differ; the first `limit` by id. */
  async unbalancedTransfers(limit: number): Promise<Array<{ transferId: string; detail: string }>> {
    invariant(
      Number.isSafeInteger(limit) && limit >= 1 && limit <= RECONCILE_PAGE_MAX,
      'transfer page limit out of range',
    );
    const unbalanced: Array<{ transferId: string; detail: string }> = [];
    for await (const row of this.#transfers()) {
      if (fromLong(row.outs, 'outs') === 1 && fromLong(row.ins, 'ins') === 1 && sameAmount(row)) continue;
      unbalanced.push({
        transferId: row._id,
        detail:
          `legs out=${fromLong(row.outs, 'outs')} in=${fromLong(row.ins, 'ins')}, ` +
          `amounts out=${fromLong(row.outSum, 'outSum')} in=${fromLong(row.inSum, 'inSum')}`,
      });
      if (unbalanced.length === limit) break;
    }
    return unbalanced;
  }

  /** Entries whose reversedAmount is not the sum of the reversal entries pointing at them, or exceeds the amount. */
  async unbalancedReversals(limit: number): Promise<ReversalAudit[]> {
    invariant(Number.isSafeInteger(limit) && limit >= 1 && limit <= RECONCILE_PAGE_MAX, 'reversal limit out of range');
    const rows = await this.collections.entries
      .aggregate<{ _id: string; amount: unknown; reversedAmount: unknown; reversalSum: unknown }>(
        [
          { $match: { $or: [{ reversedAmount: { $gt: 0 } }, { type: 'reversal' }] } },
          {
            $group: {
              _id: { $cond: [{ $eq: ['$type', 'reversal'] }, '$reversalOf', '$_id'] },
              amount: { $sum: { $cond: [{ $eq: ['$type', 'reversal'] }, 0, '$amount'] } },
              reversedAmount: {
                $sum: { $cond: [{ $eq: ['$type', 'reversal'] }, 0, { $ifNull: ['$reversedAmount', 0] }] },
              },
              reversalSum: { $sum: { $cond: [{ $eq: ['$type', 'reversal'] }, '$amount', 0] } },
              // A reversal entry also carries its own reversedAmount 0; only the original counts.
            },
          },
          {
            $match: {
              $expr: { $or: [{ $ne: ['$reversedAmount', '$reversalSum'] }, { $gt: ['$reversedAmount', '$amount'] }] },
            },
          },
          { $sort: { _id: 1 } },
          { $limit: limit },
        ],
        { allowDiskUse: true, maxTimeMS: this.timeoutMs, ...DOC_READ },
      )
      .toArray();
    return rows.map((row) => ({
      transactionId: row._id,
      amount: fromLong(row.amount, 'entry.amount'),
      reversedAmount: fromLong(row.reversedAmount, 'entry.reversedAmount'),
      reversalSum: fromLong(row.reversalSum, 'reversals.sum'),
    }));
  }

  async countTransfers(): Promise<number> {
    let count = 0;
    for await (const _row of this.#transfers()) count += 1;
    return count;
  }

  /**
   * Every transfer with its legs, in transferId order, read in chunks of at most
   * TRANSFER_CHUNK_ENTRIES entries along the `entries_transfer` index: each aggregation groups
   * a bounded number of entries within its own `maxTimeMS`, so a large ledger makes a run
   * longer, never one statement too big to finish (which would fail every run with
   * StoreUnavailable). The last group of a full chunk may miss legs, so it is read again at
   * the start of the next chunk.
   */
  async *#transfers(): AsyncGenerator<TransferRow> {
    const isOut = { $eq: ['$type', 'transfer_out'] };
    const isIn = { $eq: ['$type', 'transfer_in'] };
    let after: string | undefined;
    for (;;) {
      const rows = await this.collections.entries
        .aggregate<TransferRow & { n: unknown }>(
          [
            { $match: after === undefined ? { transferId: { $exists: true } } : { transferId: { $gt: after } } },
            { $sort: { transferId: 1 } },
            { $limit: TRANSFER_CHUNK_ENTRIES },
            {
              $group: {
                _id: '$transferId',
                n: { $sum: 1 },
                outs: { $sum: { $cond: [isOut, 1, 0] } },
                ins: { $sum: { $cond: [isIn, 1, 0] } },
                outSum: { $sum: { $cond: [isOut, '$amount', 0] } },
                inSum: { $sum: { $cond: [isIn, '$amount', 0] } },
              },
            },
            { $sort: { _id: 1 } },
          ],
          { maxTimeMS: this.timeoutMs, ...DOC_READ },
        )
        .toArray();
      const entries = rows.reduce((total, row) => total + fromLong(row.n, 'transfer.legs'), 0);
      const full = entries >= TRANSFER_CHUNK_ENTRIES;
      // A full chunk's last transfer may continue in the next one; a chunk of one transfer cannot wait.
      const complete = full && rows.length > 1 ? rows.slice(0, -1) : rows;
      yield* complete;
      if (!full || complete.length === 0) return;
      after = complete.at(-1)!._id;
    }
  }

  async saveReport(report: ReconciliationReport): Promise<void> {
    await this.collections.reports.insertOne(reportToDoc(report), { maxTimeMS: this.timeoutMs });
  }

  async latestReport(): Promise<ReconciliationReport | null> {
    const doc = await this.collections.reports.findOne(
      {},
      { sort: { finishedAt: -1 }, maxTimeMS: this.timeoutMs, ...DOC_READ },
    );
    return doc ? reportFromDoc(doc) : null;
  }
}
