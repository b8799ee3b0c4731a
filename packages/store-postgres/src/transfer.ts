import type pg from 'pg';
import {
  isRemembered,
  judgeTransfer,
  outboxEventFor,
  refusalBody,
  transferEntries,
  type StoredBody,
  type Transaction,
  type TransferCommand,
  type Wallet,
  type WriteOutcome,
} from '@wallet/ledger';
import { idempotencyFromRow, walletFromRow } from './mapping.js';
import { recordRefusal } from './refusal.js';

/**
 * Locks both wallets in id order (so two opposite transfers never deadlock) and reads the
 * key's record in the same round trip. FOR UPDATE returns the latest committed rows.
 */
const LOCK_SQL = `
WITH locked AS (SELECT * FROM wallets WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)
SELECT (SELECT json_agg(row_to_json(locked)) FROM locked) AS wallets,
       (SELECT row_to_json(k) FROM idempotency_keys k WHERE $3::text IS NOT NULL AND k.user_id = $2 AND k.key = $3) AS prior`;

/** Both legs, both outbox events, the record and the audit event: one statement, under the locks. */
const APPLY_SQL = `
WITH debit_wallet AS (
  UPDATE wallets SET balance = $3, version = version + 1, updated_at = $20 WHERE id = $1 AND version = $2 RETURNING version
), credit_wallet AS (
  UPDATE wallets SET balance = $6, version = version + 1, updated_at = $20 WHERE id = $4 AND version = $5 RETURNING version
), entries AS (
  INSERT INTO ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, transfer_id, metadata, created_at)
  SELECT $7::uuid, $1::uuid, d.version, 'transfer_out', $9::bigint, $10::bigint, $3::bigint, $11::uuid, $12::json, $20::timestamptz FROM debit_wallet d
  UNION ALL
  SELECT $8::uuid, $4::uuid, c.version, 'transfer_in', $9::bigint, $13::bigint, $6::bigint, $11::uuid, $12::json, $20::timestamptz FROM credit_wallet c
  RETURNING 1
), events AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT e.id, 'transfer.completed', e.payload, $20 FROM json_to_recordset($14::json) AS e(id uuid, payload json)
), idem AS (
  INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
  SELECT $15, $16, 'transfer.create', $17, 200, $18, $19, $20, $21 WHERE $16::text IS NOT NULL
), audit AS (
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  VALUES ($22, $15, $23, 'transfer.create', $1, $9, 'ok', $19, $20)
)
SELECT (SELECT count(*) FROM debit_wallet) + (SELECT count(*) FROM credit_wallet) AS updated`;

export async function transfer(pool: pg.Pool, command: TransferCommand, auditId: string): Promise<WriteOutcome> {
  const client = await pool.connect();
  let done = false;
  try {
    await client.query('BEGIN');
    const locked = await client.query({
      name: 'transfer-lock',
      text: LOCK_SQL,
      values: [[command.fromWalletId, command.toWalletId], command.userId, command.idempotency?.key ?? null],
    });
    const row = locked.rows[0] as {
      wallets: Array<Record<string, unknown>> | null;
      prior: Record<string, unknown> | null;
    };
    if (row.prior) {
      await client.query('ROLLBACK');
      done = true;
      return { kind: 'existing', record: idempotencyFromRow(row.prior) };
    }
    const wallets = (row.wallets ?? []).map((w) =>
      walletFromRow({
        ...w,
        created_at: new Date(w.created_at as string),
        updated_at: new Date(w.updated_at as string),
      }),
    );
    const from = wallets.find((w) => w.id === command.fromWalletId) ?? null;
    const to = wallets.find((w) => w.id === command.toWalletId) ?? null;
    const verdict = judgeTransfer(from, to, command);
    let outcome: WriteOutcome;
    if (!verdict.ok) {
      outcome = isRemembered(verdict.code)
        ? await recordRefusal(client, command, 'transfer.create', refusalBody(verdict.code, verdict.detail), {
            id: auditId,
            walletId: command.fromWalletId,
            amount: command.amount,
          })
        : { kind: 'refused', code: verdict.code, detail: verdict.detail };
    } else {
      outcome = await applyTransfer(client, command, from!, to!, auditId);
    }
    await client.query(outcome.kind === 'refused' ? 'ROLLBACK' : 'COMMIT');
    done = true;
    return outcome;
  } finally {
    if (!done) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

async function applyTransfer(
  client: pg.PoolClient,
  command: TransferCommand,
  from: Wallet,
  to: Wallet,
  auditId: string,
): Promise<WriteOutcome> {
  const { debit, credit } = transferEntries(from, to, command);
  const body: StoredBody = { data: { transferId: command.transferId, debit, credit } };
  const events = [event(debit, from), event(credit, to)];
  const { rows } = await client.query({
    name: 'transfer-apply',
    text: APPLY_SQL,
    values: [
      from.id,
      from.version,
      debit.balanceAfter,
      to.id,
      to.version,
      credit.balanceAfter,
      debit.id,
      credit.id,
      command.amount,
      debit.balanceBefore,
      command.transferId,
      JSON.stringify(command.metadata),
      credit.balanceBefore,
      JSON.stringify(events),
      command.userId,
      command.idempotency?.key ?? null,
      command.idempotency?.fingerprint ?? null,
      JSON.stringify(body),
      command.requestId,
      command.now,
      command.idempotency?.expiresAt ?? command.now,
      auditId,
      command.ip,
    ],
  });
  // Both rows are locked by this transaction, so both version checks must match.
  if (Number((rows[0] as { updated: string | number }).updated) !== 2)
    throw new Error('transfer updated fewer than two locked wallets');
  return { kind: 'stored', statusCode: 200, body };
}

function event(entry: Transaction, wallet: Wallet): { id: string; payload: unknown } {
  return { id: entry.id, payload: outboxEventFor(entry, wallet) };
}
