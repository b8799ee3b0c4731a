import type pg from 'pg';
import type { CreateWalletCommand, WriteOutcome } from '@wallet/ledger';
import {
  auditEventFor,
  createdWallet,
  refusalReply,
  walletCreatedReply,
  walletExistsDetail,
} from '@wallet/ledger/store-kit';
import { idempotencyFromRow } from './mapping.js';
import { param, prepare, sql } from './sql-util.js';
import { PRIOR_RECORD, auditParams, insertAudit, insertRecord, recordParams } from './write-common.js';

const CREATED = 'EXISTS (SELECT 1 FROM created)';

/**
 * Creates the wallet, or finds the (user, currency) pair taken, and stores either outcome
 * with the key (when one was sent) and an audit event: one statement. A wallet that
 * exists is a remembered refusal, so a retry of the creation replays its first answer;
 * without a key it is not written here (the ledger audits the refusal it answers).
 */
const CREATE_WALLET = prepare(
  'wallet-create',
  sql`
WITH prior AS (${PRIOR_RECORD}
), created AS (
  INSERT INTO wallets (id, user_id, currency, balance, version, created_at, updated_at)
  SELECT ${param('walletId')}, ${param('recordUserId')}, ${param('currency')}, 0, 0, ${param('now')}, ${param('now')}
   WHERE NOT EXISTS (SELECT 1 FROM prior)
  ON CONFLICT (user_id, currency) DO NOTHING
  RETURNING id
), idem AS (${insertRecord('NOT EXISTS (SELECT 1 FROM prior)', {
    status: `CASE WHEN ${CREATED} THEN 201 ELSE 409 END`,
    body: sql`CASE WHEN ${CREATED} THEN ${param('createdBody')}::json ELSE ${param('refusalBody')}::json END`,
  })}
), audit AS (${insertAudit(
    sql`NOT EXISTS (SELECT 1 FROM prior) AND (${CREATED} OR ${param('recordKey')}::text IS NOT NULL)`,
    `CASE WHEN ${CREATED} THEN 'ok' ELSE 'wallet_exists' END`,
  )}
)
SELECT (SELECT row_to_json(prior) FROM prior) AS prior, ${CREATED} AS created`,
);

export async function createWallet(
  pool: pg.Pool,
  command: CreateWalletCommand,
  auditId: string,
): Promise<WriteOutcome> {
  const wallet = createdWallet(command);
  const created = walletCreatedReply(wallet);
  const detail = walletExistsDetail(command.currency);
  const refusal = refusalReply('wallet_exists', detail);
  const audit = auditEventFor(command, 'wallet.create', 'ok', { id: auditId, walletId: wallet.id, amount: null });
  const { rows } = await pool.query(
    CREATE_WALLET.query({
      walletId: wallet.id,
      currency: command.currency,
      now: command.now,
      createdBody: JSON.stringify(created.body),
      refusalBody: JSON.stringify(refusal.body),
      ...recordParams(command, 'wallet.create', null),
      ...auditParams(audit),
    }),
  );
  const row = rows[0] as { prior: Record<string, unknown> | null; created: boolean };
  if (row.prior) return { kind: 'existing', record: idempotencyFromRow(row.prior) };
  if (row.created) return { kind: 'stored', ...created };
  if (command.idempotency) return { kind: 'stored', ...refusal };
  return { kind: 'refused', code: 'wallet_exists', detail };
}
