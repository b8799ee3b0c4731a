import type pg from 'pg';
import { refusalBody, type CreateWalletCommand, type StoredBody, type Wallet, type WriteOutcome } from '@wallet/ledger';
import { idempotencyFromRow } from './mapping.js';

/**
 * Creates the wallet, or finds the (user, currency) pair taken, and stores either outcome
 * with the key (when one was sent) and an audit event: one statement. A wallet that
 * exists is a remembered refusal, so a retry of the creation replays its first answer.
 */
const CREATE_WALLET_SQL = `
WITH prior AS (
  SELECT * FROM idempotency_keys WHERE $5::text IS NOT NULL AND user_id = $2 AND key = $5
), created AS (
  INSERT INTO wallets (id, user_id, currency, balance, version, created_at, updated_at)
  SELECT $1, $2, $3, 0, 0, $4, $4 WHERE NOT EXISTS (SELECT 1 FROM prior)
  ON CONFLICT (user_id, currency) DO NOTHING
  RETURNING id
), idem AS (
  INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
  SELECT $2, $5, 'wallet.create', $6,
         CASE WHEN EXISTS (SELECT 1 FROM created) THEN 201 ELSE 409 END,
         CASE WHEN EXISTS (SELECT 1 FROM created) THEN $7::json ELSE $8::json END,
         $9, $4, $10
   WHERE $5::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM prior)
), audit AS (
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT $11, $2, $12, 'wallet.create', $1, NULL,
         CASE WHEN EXISTS (SELECT 1 FROM created) THEN 'ok' ELSE 'wallet_exists' END, $9, $4
   WHERE NOT EXISTS (SELECT 1 FROM prior)
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, EXISTS (SELECT 1 FROM created) AS created`;

export async function createWallet(
  pool: pg.Pool,
  command: CreateWalletCommand,
  auditId: string,
): Promise<WriteOutcome> {
  const wallet: Wallet = {
    id: command.walletId,
    userId: command.userId,
    currency: command.currency,
    balance: 0,
    heldBalance: 0,
    availableBalance: 0,
    version: 0,
    createdAt: command.now,
    updatedAt: command.now,
  };
  const created: StoredBody = { data: wallet };
  const refusal = refusalBody('wallet_exists', `a ${command.currency} wallet already exists for this user`);
  const { rows } = await pool.query({
    name: 'wallet-create',
    text: CREATE_WALLET_SQL,
    values: [
      wallet.id,
      command.userId,
      command.currency,
      command.now,
      command.idempotency?.key ?? null,
      command.idempotency?.fingerprint ?? null,
      JSON.stringify(created),
      JSON.stringify(refusal.body),
      command.requestId,
      command.idempotency?.expiresAt ?? command.now,
      auditId,
      command.ip,
    ],
  });
  const row = rows[0] as { prior: Record<string, unknown> | null; created: boolean };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.created) return { kind: 'stored', statusCode: 201, body: created };
  if (command.idempotency) return { kind: 'stored', statusCode: refusal.statusCode, body: refusal.body };
  return {
    kind: 'refused',
    code: 'wallet_exists',
    detail: (refusal.body as { error: { detail: string } }).error.detail,
  };
}
