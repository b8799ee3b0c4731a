import type pg from 'pg';
import { VersionConflict, type BalanceCommand, type WriteOutcome } from '@wallet/ledger';
import { actionOf, assertBalanceBatch, judgeBalanceBatch } from '@wallet/ledger/store-kit';
import { idempotencyFromRow, reviveJsonRow, walletFromRow } from './mapping.js';
import { isUniqueViolation, param, prepare, sql } from './sql-util.js';
import { withTransaction } from './transaction.js';
import { writeChanges } from './write-changes.js';

type Row = Record<string, unknown>;

/**
 * Statement 1 of a balance batch: locks the wallet FOR UPDATE and reads the records already
 * stored under the batch's keys, in one round trip. The records are read in the statement's
 * snapshot, taken before the lock wait: a record committed meanwhile by another process is
 * caught by the primary key in statement 2, which rolls the batch back for a retry.
 */
const LOCK_BATCH = prepare(
  'balance-batch-lock',
  sql`
SELECT (SELECT row_to_json(w) FROM (SELECT id, user_id, currency, balance, held_balance, version, created_at,
                                           updated_at
                                      FROM wallets WHERE id = ${param('walletId')} FOR UPDATE) w) AS wallet,
       (SELECT json_agg(row_to_json(k)) FROM idempotency_keys k
          JOIN unnest(${param('userIds')}::text[], ${param('keys')}::text[]) AS x(user_id, key)
            ON k.user_id = x.user_id AND k.key = x.key) AS priors`,
);

/**
 * Credits and debits of one wallet in one transaction (four round trips for the whole batch:
 * BEGIN, lock + priors, one write statement, COMMIT): judged in order by the store-kit's
 * judgeBalanceBatch on the locked wallet, written by writeChanges (entries with their seq, the
 * wallet once, every event, audit row and record). A key taken meanwhile → VersionConflict.
 */
export async function applyBalanceBatch(pool: pg.Pool, commands: BalanceCommand[]): Promise<WriteOutcome[]> {
  assertBalanceBatch(commands);
  const keyed = commands.filter((command) => command.idempotency !== undefined);
  try {
    return await withTransaction(pool, async (client) => {
      const { rows } = await client.query(
        LOCK_BATCH.query({
          walletId: commands[0]!.walletId,
          userIds: keyed.map((command) => command.userId),
          keys: keyed.map((command) => command.idempotency!.key),
        }),
      );
      const row = rows[0] as { wallet: Row | null; priors: Row[] | null };
      const wallet = row.wallet ? walletFromRow(reviveJsonRow(row.wallet)) : null;
      const plan = judgeBalanceBatch(wallet, commands, (row.priors ?? []).map(idempotencyFromRow));
      if (plan.audits.length === 0) return plan.outcomes; // Only replays and unremembered refusals: nothing to write.
      const last = plan.wallet?.after ?? wallet;
      const changes = plan.wallet && plan.entries.length > 0 ? [plan.wallet] : [];
      const context = { ...commands[0]!, idempotency: undefined, now: last?.updatedAt ?? commands[0]!.now };
      await writeChanges(client, context, actionOf(commands[0]!), null, {
        holds: [],
        wallets: changes,
        reversed: [],
        entries: plan.entries,
        events: plan.events,
        audits: plan.audits,
        records: plan.records,
      });
      return plan.outcomes;
    });
  } catch (error) {
    // Another process committed one of the keys after this batch read them: re-read and re-judge.
    if (isUniqueViolation(error, 'idempotency_keys_pkey'))
      throw new VersionConflict('an idempotency key of the batch was taken concurrently', { cause: error });
    throw error;
  }
}
