import type pg from 'pg';
import type { ReconciliationReport, ReversalAudit, WalletAudit } from '@wallet/ledger';

/**
 * Read-only aggregates for the reconciliation job, paged so nothing loads every wallet. A query
 * names its columns as the port's fields, in their order, so its rows are the port's records.
 */
export class ReconciliationQueries {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async auditWallets(page: { afterId?: string; limit: number }): Promise<WalletAudit[]> {
    const { rows } = await this.#pool.query(
      `SELECT w.id AS "walletId", w.balance, w.version,
              COALESCE(agg.entry_sum, 0)::bigint AS "entrySum", COALESCE(agg.entry_count, 0)::bigint AS "entryCount",
              last.balance_after AS "lastBalanceAfter", w.held_balance AS "heldBalance",
              COALESCE(held.total, 0)::bigint AS "activeHoldSum"
         FROM (SELECT * FROM wallets WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2) w
         LEFT JOIN LATERAL (
           SELECT sum(CASE WHEN type IN ('credit', 'transfer_in', 'capture_in') THEN amount
                           WHEN type = 'reversal' THEN sign(balance_after - balance_before) * amount
                           ELSE -amount END) AS entry_sum,
                  count(*) AS entry_count
             FROM ledger_entries e WHERE e.wallet_id = w.id) agg ON true
         LEFT JOIN LATERAL (
           SELECT sum(amount) AS total FROM holds h WHERE h.wallet_id = w.id AND h.status = 'active') held ON true
         LEFT JOIN LATERAL (
           SELECT balance_after FROM ledger_entries e WHERE e.wallet_id = w.id ORDER BY seq DESC LIMIT 1) last ON true
        ORDER BY w.id`,
      [page.afterId ?? null, page.limit],
    );
    return rows as WalletAudit[];
  }

  async unbalancedTransfers(limit: number): Promise<Array<{ transferId: string; detail: string }>> {
    const { rows } = await this.#pool.query(
      `SELECT transfer_id,
              count(*) FILTER (WHERE type = 'transfer_out') AS outs, count(*) FILTER (WHERE type = 'transfer_in') AS ins,
              COALESCE(sum(amount) FILTER (WHERE type = 'transfer_out'), 0) AS out_sum,
              COALESCE(sum(amount) FILTER (WHERE type = 'transfer_in'), 0) AS in_sum
         FROM ledger_entries WHERE transfer_id IS NOT NULL
        GROUP BY transfer_id
       HAVING count(*) FILTER (WHERE type = 'transfer_out') <> 1 OR count(*) FILTER (WHERE type = 'transfer_in') <> 1
           OR COALESCE(sum(amount) FILTER (WHERE type = 'transfer_out'), 0) <> COALESCE(sum(amount) FILTER (WHERE type = 'transfer_in'), 0)
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      transferId: row.transfer_id as string,
      detail: `legs out=${row.outs} in=${row.ins}, amounts out=${row.out_sum} in=${row.in_sum}`,
    }));
  }

  /** Entries whose reversedAmount is not the sum of the reversal entries pointing at them. */
  async unbalancedReversals(limit: number): Promise<ReversalAudit[]> {
    const { rows } = await this.#pool.query(
      `SELECT e.id AS "transactionId", e.amount, e.reversed_amount AS "reversedAmount",
              COALESCE(r.total, 0)::bigint AS "reversalSum"
         FROM ledger_entries e
         LEFT JOIN (SELECT reversal_of, sum(amount) AS total FROM ledger_entries
                     WHERE reversal_of IS NOT NULL GROUP BY reversal_of) r ON r.reversal_of = e.id
        WHERE e.reversed_amount <> COALESCE(r.total, 0) OR e.reversed_amount > e.amount
        LIMIT $1`,
      [limit],
    );
    return rows as ReversalAudit[];
  }

  async countTransfers(): Promise<number> {
    const { rows } = await this.#pool.query(
      'SELECT count(DISTINCT transfer_id) AS n FROM ledger_entries WHERE transfer_id IS NOT NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async saveReport(report: ReconciliationReport): Promise<void> {
    await this.#pool.query('INSERT INTO reconciliation_reports (id, finished_at, report) VALUES ($1, $2, $3)', [
      report.id,
      report.finishedAt,
      JSON.stringify(report),
    ]);
  }

  async latestReport(): Promise<ReconciliationReport | null> {
    const { rows } = await this.#pool.query(
      'SELECT report FROM reconciliation_reports ORDER BY finished_at DESC LIMIT 1',
    );
    return (rows[0]?.report as ReconciliationReport | undefined) ?? null;
  }
}
