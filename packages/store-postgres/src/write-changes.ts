import type pg from 'pg';
import type {
  AuditEvent,
  Hold,
  IdempotencyRecord,
  Operation,
  OutboxEvent,
  StoredTransaction,
  Transaction,
  Wallet,
  WriteContext,
} from '@wallet/ledger';
import { idempotencyRecordFor, type Reply } from '@wallet/ledger/store-kit';
import { param, prepare, sql } from './sql-util.js';

/**
 * The second statement of a locked write (holds, reversals, the expiry sweep): every row it
 * changes was locked FOR UPDATE by the first statement of the same transaction, and every new
 * value was computed by the ledger's rules from those locked rows, so this statement only
 * writes. Each UPDATE still compares what it was computed from (a hold still active, a wallet
 * still at its version) and the caller checks the counts: a mismatch is a bug, never a
 * silent partial write.
 */
const WRITE_CHANGES = prepare(
  'ledger-write-changes',
  sql`
WITH hold_rows AS (
  UPDATE holds h SET status = x.status, captured_amount = x.captured_amount, metadata = x.metadata,
         updated_at = ${param('now')}
    FROM json_to_recordset(${param('holds')}::json) AS x(id uuid, status text, captured_amount bigint, metadata json)
   WHERE h.id = x.id AND h.status = 'active'
  RETURNING 1
), wallet_rows AS (
  UPDATE wallets w SET balance = x.balance, held_balance = x.held_balance, version = x.new_version,
         updated_at = x.updated_at
    FROM json_to_recordset(${param('wallets')}::json)
         AS x(id uuid, version bigint, new_version bigint, balance bigint, held_balance bigint, updated_at timestamptz)
   WHERE w.id = x.id AND w.version = x.version
  RETURNING 1
), reversed_rows AS (
  UPDATE ledger_entries e SET reversed_amount = x.reversed_amount
    FROM json_to_recordset(${param('reversed')}::json) AS x(id uuid, reversed_amount bigint)
   WHERE e.id = x.id
  RETURNING 1
), entry_rows AS (
  INSERT INTO ledger_entries
    (id, wallet_id, seq, type, amount, balance_before, balance_after, hold_id, reversal_of, metadata, created_at)
  SELECT x.id, x.wallet_id, x.seq, x.type, x.amount, x.balance_before, x.balance_after, x.hold_id, x.reversal_of,
         x.metadata, x.created_at
    FROM json_to_recordset(${param('entries')}::json) AS x(id uuid, wallet_id uuid, seq bigint, type text,
         amount bigint, balance_before bigint, balance_after bigint, hold_id uuid, reversal_of uuid, metadata json,
         created_at timestamptz)
  RETURNING 1
), events AS (
  INSERT INTO outbox (id, type, payload, created_at)
  SELECT x.id, x.type, x.payload, ${param('now')}
    FROM json_to_recordset(${param('events')}::json) AS x(id uuid, type text, payload json)
), audits AS (
  INSERT INTO audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
  SELECT x.id, x.actor, x.ip, x.action, x."walletId", x.amount, x.outcome, x."requestId", x."createdAt"
    FROM json_to_recordset(${param('audits')}::json) AS x(id uuid, actor text, ip text, action text, "walletId" uuid,
         amount bigint, outcome text, "requestId" text, "createdAt" timestamptz)
), idem AS (
  INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
  SELECT x."userId", x.key, x.operation, x.fingerprint, x."statusCode", x.body, x."requestId", x."createdAt", x."expiresAt"
    FROM json_to_recordset(${param('records')}::json) AS x("userId" text, key text, operation text, fingerprint text,
         "statusCode" integer, body json, "requestId" text, "createdAt" timestamptz, "expiresAt" timestamptz)
  RETURNING 1
)
SELECT (SELECT count(*) FROM hold_rows) AS holds, (SELECT count(*) FROM wallet_rows) AS wallets,
       (SELECT count(*) FROM reversed_rows) AS reversed, (SELECT count(*) FROM entry_rows) AS entries,
       (SELECT count(*) FROM idem) AS records`,
);

export interface WalletChange {
  before: Wallet;
  after: Wallet;
}

export interface Changes {
  holds: Hold[];
  wallets: WalletChange[];
  reversed: Transaction[];
  /** An entry without `seq` takes its wallet's new version (one entry per wallet). */
  entries: Array<Transaction | StoredTransaction>;
  events: OutboxEvent[];
  audits: AuditEvent[];
  /** Records beyond the one `reply` makes (a balance batch stores one per keyed command). */
  records?: IdempotencyRecord[];
}

/**
 * Writes the changes, with the key's record holding `reply` when the context has a key and a
 * reply is given, and `changes.records`; throws on a short write.
 */
export async function writeChanges(
  client: pg.PoolClient,
  context: WriteContext,
  /** The write's operation, or the sweep's `hold.expire` (which keeps no idempotency record). */
  operation: Operation | 'hold.expire',
  reply: Reply | null,
  changes: Changes,
): Promise<void> {
  const records = [...(changes.records ?? [])];
  if (reply && context.idempotency && operation !== 'hold.expire')
    records.push(idempotencyRecordFor({ ...context, idempotency: context.idempotency }, operation, reply));
  const wallets = changes.wallets.map(({ before, after }) => ({
    id: after.id,
    version: before.version,
    new_version: after.version,
    balance: after.balance,
    held_balance: after.heldBalance,
    updated_at: context.now,
  }));
  const entries = changes.entries.map((entry) => ({
    id: entry.id,
    wallet_id: entry.walletId,
    seq:
      'seq' in entry ? entry.seq : changes.wallets.find((change) => change.after.id === entry.walletId)!.after.version,
    created_at: entry.createdAt,
    type: entry.type,
    amount: entry.amount,
    balance_before: entry.balanceBefore,
    balance_after: entry.balanceAfter,
    hold_id: entry.holdId ?? null,
    reversal_of: entry.reversalOf ?? null,
    metadata: entry.metadata,
  }));
  const { rows } = await client.query(
    WRITE_CHANGES.query({
      now: context.now,
      holds: JSON.stringify(
        changes.holds.map((hold) => ({
          id: hold.id,
          status: hold.status,
          captured_amount: hold.capturedAmount,
          metadata: hold.metadata,
        })),
      ),
      wallets: JSON.stringify(wallets),
      reversed: JSON.stringify(
        changes.reversed.map((entry) => ({ id: entry.id, reversed_amount: entry.reversedAmount })),
      ),
      entries: JSON.stringify(entries),
      events: JSON.stringify(changes.events.map((event) => ({ id: event.id, type: event.type, payload: event }))),
      audits: JSON.stringify(changes.audits),
      records: JSON.stringify(records),
    }),
  );
  const counts = rows[0] as Record<'holds' | 'wallets' | 'reversed' | 'entries' | 'records', string | number>;
  const expected = {
    holds: changes.holds.length,
    wallets: wallets.length,
    reversed: changes.reversed.length,
    entries: entries.length,
    records: records.length,
  };
  for (const [name, count] of Object.entries(expected)) {
    // Every row was locked by this transaction: a short write is a bug, and throwing rolls it back.
    if (Number(counts[name as keyof typeof counts]) !== count) throw new Error(`${operation} wrote too few ${name}`);
  }
}
