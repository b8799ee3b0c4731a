import type pg from 'pg';
import type { ReverseCommand, StoredTransaction, Wallet, WriteOutcome } from '@wallet/ledger';
import {
  auditEventFor,
  isRemembered,
  judgeReversal,
  outboxEventFor,
  refusalReply,
  reversalOf,
  reversalReply,
} from '@wallet/ledger/store-kit';
import { entryFromRow, idempotencyFromRow, walletFromRow, reviveJsonRow } from './mapping.js';
import { param, prepare, sql } from './sql-util.js';
import { recordRefusal } from './refusal.js';
import { rollbackWith, withTransaction } from './transaction.js';
import { writeChanges } from './write-changes.js';

type Row = Record<string, unknown>;

/** Entries that point at the other side of `y`: a transfer's other leg, a capture's capture_in and back. */
const OTHER_SIDE = (x: string, y: string) => `
  ((${y}.type = 'transfer_in' AND ${x}.transfer_id = ${y}.transfer_id AND ${x}.type = 'transfer_out')
   OR (${y}.type = 'capture' AND ${x}.hold_id = ${y}.hold_id AND ${x}.type = 'capture_in')
   OR (${y}.type = 'capture_in' AND ${x}.hold_id = ${y}.hold_id AND ${x}.type = 'capture'))`;

/**
 * The first statement of a reversal: locks the original entry and its other side, then both
 * wallets, each set in id order, and reads the key's record. FOR UPDATE returns the latest
 * committed rows and holds them to the end of the transaction, so concurrent reversals of one
 * entry queue here and each is judged on the reversedAmount the previous one left. Rows are
 * named by arrays (computed once), not joins, so a re-check after a concurrent write keeps them.
 */
const LOCK_REVERSAL = prepare(
  'reversal-lock',
  sql`
WITH o AS (
  SELECT * FROM ledger_entries WHERE id = ${param('originalId')}
), sides AS (
  SELECT id, wallet_id FROM o UNION ALL SELECT x.id, x.wallet_id FROM ledger_entries x JOIN o ON ${OTHER_SIDE('x', 'o')}
), el AS (
  SELECT * FROM ledger_entries WHERE id = ANY(ARRAY(SELECT id FROM sides)) ORDER BY id FOR UPDATE
), wl AS (
  SELECT * FROM wallets WHERE id = ANY(ARRAY(SELECT wallet_id FROM sides)) ORDER BY id FOR UPDATE
)
SELECT (SELECT json_agg(row_to_json(el)) FROM el) AS entries, (SELECT json_agg(row_to_json(wl)) FROM wl) AS wallets,
       (SELECT row_to_json(k) FROM idempotency_keys k
         WHERE ${param('key')}::text IS NOT NULL AND k.user_id = ${param('userId')} AND k.key = ${param('key')}) AS prior`,
);

/**
 * A reversal: one transaction of four round trips (BEGIN, lock, write, COMMIT), like a
 * transfer. The locked rows are judged by the shared rules (ownership, what is left, both
 * wallets within [held, max]); the entries, wallets and reply come from the ledger
 * (reversalOf, reversalReply) and are written in one statement.
 */
export async function reverseTransaction(
  pool: pg.Pool,
  command: ReverseCommand,
  auditId: string,
): Promise<WriteOutcome> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query(
      LOCK_REVERSAL.query({
        originalId: command.originalId,
        userId: command.userId,
        key: command.idempotency?.key ?? null,
      }),
    );
    const row = rows[0] as { entries: Row[] | null; wallets: Row[] | null; prior: Row | null };
    if (row.prior) return rollbackWith<WriteOutcome>({ kind: 'existing', record: idempotencyFromRow(row.prior) });
    const entries: StoredTransaction[] = (row.entries ?? []).map((entry) => entryFromRow(reviveJsonRow(entry)));
    const wallets: Wallet[] = (row.wallets ?? []).map((wallet) => walletFromRow(reviveJsonRow(wallet)));
    const original = entries.find((entry) => entry.id === command.originalId) ?? null;
    const other = entries.find((entry) => entry.id !== command.originalId) ?? null;
    const walletOf = (entry: StoredTransaction | null) =>
      wallets.find((wallet) => wallet.id === entry?.walletId) ?? null;
    const wallet = walletOf(original);
    const verdict = judgeReversal(original, wallet, walletOf(other), command);
    const owned = wallet !== null && wallet.userId === command.userId;
    const audit = auditEventFor(command, 'transaction.reverse', 'ok', {
      id: auditId,
      walletId: owned ? wallet.id : null,
      amount: verdict.ok ? verdict.plan!.amount : (command.amount ?? null),
    });
    if (!verdict.ok) {
      if (!isRemembered(verdict.code)) {
        return rollbackWith<WriteOutcome>({ kind: 'refused', code: verdict.code, detail: verdict.detail });
      }
      const refusal = refusalReply(verdict.code, verdict.detail);
      return recordRefusal(client, command, 'transaction.reverse', refusal, { ...audit, outcome: verdict.code });
    }
    const counterpart = other ? { entry: other, wallet: walletOf(other)! } : null;
    const reversal = reversalOf(original!, wallet!, counterpart, verdict.plan!, command);
    const reply = reversalReply(reversal.reversal, reversal.originals[0]!, reversal.wallets[0]!.after);
    await writeChanges(client, command, 'transaction.reverse', reply, {
      holds: [],
      wallets: reversal.wallets,
      reversed: reversal.originals,
      entries: reversal.entries,
      events: reversal.entries.map((entry, index) => outboxEventFor(entry, reversal.wallets[index]!.after)),
      audits: [audit],
    });
    return { kind: 'stored', ...reply } as WriteOutcome;
  });
}
