import type pg from 'pg';
import type { TransferCommand, Wallet, WriteOutcome } from '@wallet/ledger';
import {
  auditEventFor,
  isRemembered,
  judgeTransfer,
  outboxEventFor,
  refusalReply,
  transferEntries,
  transferReply,
} from '@wallet/ledger/store-kit';
import { idempotencyFromRow, reviveJsonRow, walletFromRow } from './mapping.js';
import { param, prepare, sql } from './sql-util.js';
import { recordRefusal } from './refusal.js';
import { rollbackWith, withTransaction } from './transaction.js';
import { auditParams, insertAudit, insertRecord, recordParams } from './write-common.js';

/**
 * Locks both wallets in id order (so two opposite transfers never deadlock) and reads the
 * key's record in the same round trip. FOR UPDATE returns the latest committed rows.
 */
const LOCK = prepare(
  'transfer-lock',
  sql`
WITH locked AS (SELECT * FROM wallets WHERE id = ANY(${param('walletIds')}::uuid[]) ORDER BY id FOR UPDATE)
SELECT (SELECT json_agg(row_to_json(locked)) FROM locked) AS wallets,
       (SELECT row_to_json(k) FROM idempotency_keys k
         WHERE ${param('key')}::text IS NOT NULL AND k.user_id = ${param('userId')} AND k.key = ${param('key')}) AS prior`,
);

/**
 * Both legs, both outbox events, the record and the audit event: one statement, under the
 * locks. The two wallet UPDATEs are where the balances change; every value was computed by
 * the ledger's rules (transferEntries) from the locked rows.
 */
const WRITE_TRANSFER = prepare(
  'transfer-apply',
  sql`
WITH debit_wallet AS (
  UPDATE wallets SET balance = ${param('fromBalanceAfter')}, version = version + 1, updated_at = ${param('now')}
   WHERE id = ${param('fromId')} AND version = ${param('fromVersion')} RETURNING version
), credit_wallet AS (
  UPDATE wallets SET balance = ${param('toBalanceAfter')}, version = version + 1, updated_at = ${param('now')}
   WHERE id = ${param('toId')} AND version = ${param('toVersion')} RETURNING version
), entries AS (
  INSERT INTO ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, transfer_id, metadata, created_at)
  SELECT ${param('debitId')}::uuid, ${param('fromId')}::uuid, d.version, 'transfer_out', ${param('amount')}::bigint,
         ${param('fromBalanceBefore')}::bigint, ${param('fromBalanceAfter')}::bigint, ${param('transferId')}::uuid,
         ${param('metadata')}::json, ${param('now')}::timestamptz
    FROM debit_wallet d
  UNION ALL
  SELECT ${param('creditId')}::uuid, ${param('toId')}::uuid, c.version, 'transfer_in', ${param('amount')}::bigint,
         ${param('toBalanceBefore')}::bigint, ${param('toBalanceAfter')}::bigint, ${param('transferId')}::uuid,
         ${param('metadata')}::json, ${param('now')}::timestamptz
    FROM credit_wallet c
  RETURNING 1
), events AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT e.id, 'transfer.completed', e.payload, ${param('now')}
    FROM json_to_recordset(${param('events')}::json) AS e(id uuid, payload json)
), idem AS (${insertRecord('true')}
), audit AS (${insertAudit('true')}
)
SELECT (SELECT count(*) FROM debit_wallet) + (SELECT count(*) FROM credit_wallet) AS updated`,
);

export async function transfer(pool: pg.Pool, command: TransferCommand, auditId: string): Promise<WriteOutcome> {
  return withTransaction(pool, async (client) => {
    const locked = await client.query(
      LOCK.query({
        walletIds: [command.fromWalletId, command.toWalletId],
        userId: command.userId,
        key: command.idempotency?.key ?? null,
      }),
    );
    const row = locked.rows[0] as {
      wallets: Array<Record<string, unknown>> | null;
      prior: Record<string, unknown> | null;
    };
    if (row.prior) return rollbackWith<WriteOutcome>({ kind: 'existing', record: idempotencyFromRow(row.prior) });
    const wallets = (row.wallets ?? []).map((w) => walletFromRow(reviveJsonRow(w)));
    const from = wallets.find((w) => w.id === command.fromWalletId) ?? null;
    const to = wallets.find((w) => w.id === command.toWalletId) ?? null;
    const verdict = judgeTransfer(from, to, command);
    const audit = auditEventFor(command, 'transfer.create', verdict.ok ? 'ok' : verdict.code, {
      id: auditId,
      walletId: command.fromWalletId,
      amount: command.amount,
    });
    if (verdict.ok) return writeTransfer(client, command, from!, to!, audit);
    if (!isRemembered(verdict.code)) {
      return rollbackWith<WriteOutcome>({ kind: 'refused', code: verdict.code, detail: verdict.detail });
    }
    return recordRefusal(client, command, 'transfer.create', refusalReply(verdict.code, verdict.detail), audit);
  });
}

async function writeTransfer(
  client: pg.PoolClient,
  command: TransferCommand,
  from: Wallet,
  to: Wallet,
  audit: ReturnType<typeof auditEventFor>,
): Promise<WriteOutcome> {
  const { debit, credit } = transferEntries(from, to, command);
  const reply = transferReply(command.transferId, debit, credit);
  const events = [
    { id: debit.id, payload: outboxEventFor(debit, from) },
    { id: credit.id, payload: outboxEventFor(credit, to) },
  ];
  const { rows } = await client.query(
    WRITE_TRANSFER.query({
      fromId: from.id,
      fromVersion: from.version,
      fromBalanceBefore: debit.balanceBefore,
      fromBalanceAfter: debit.balanceAfter,
      toId: to.id,
      toVersion: to.version,
      toBalanceBefore: credit.balanceBefore,
      toBalanceAfter: credit.balanceAfter,
      debitId: debit.id,
      creditId: credit.id,
      amount: command.amount,
      transferId: command.transferId,
      metadata: JSON.stringify(command.metadata),
      events: JSON.stringify(events),
      now: command.now,
      ...recordParams(command, 'transfer.create', reply),
      ...auditParams(audit),
    }),
  );
  // Both rows are locked by this transaction, so both version checks must match.
  if (Number((rows[0] as { updated: string | number }).updated) !== 2)
    throw new Error('transfer updated fewer than two locked wallets');
  return { kind: 'stored', ...reply };
}
