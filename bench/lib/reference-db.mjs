// The database reference: the same work as one API credit/debit (wallet read, compare-and-swap
// on `version`, ledger entry, idempotency record with the reply body, outbox event, audit
// event, one transaction), written the straightforward way with `pg`: BEGIN, SELECT, CAS
// UPDATE ... WHERE version = $v, four INSERTs, COMMIT, and on a lost race ROLLBACK and retry
// with the API's own backoff policy. Its tables (ref_*) live in the bench schema and mirror
// the store's columns, constraints and indexes, so both sides pay for the same writes.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const DDL = (s) => `
CREATE TABLE IF NOT EXISTS ${s}.ref_wallets (
  id uuid PRIMARY KEY, user_id text NOT NULL, currency char(3) NOT NULL,
  balance bigint NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
  CONSTRAINT ref_wallets_balance_range CHECK (balance >= 0 AND balance <= 9007199254740991),
  CONSTRAINT ref_wallets_version_range CHECK (version >= 0),
  CONSTRAINT ref_wallets_user_currency UNIQUE (user_id, currency));
CREATE TABLE IF NOT EXISTS ${s}.ref_ledger_entries (
  id uuid PRIMARY KEY, wallet_id uuid NOT NULL REFERENCES ${s}.ref_wallets (id), seq bigint NOT NULL,
  type text NOT NULL CHECK (type IN ('credit', 'debit', 'transfer_in', 'transfer_out')),
  amount bigint NOT NULL CHECK (amount > 0),
  balance_before bigint NOT NULL CHECK (balance_before >= 0), balance_after bigint NOT NULL CHECK (balance_after >= 0),
  transfer_id uuid, metadata json NOT NULL, created_at timestamptz NOT NULL,
  CONSTRAINT ref_ledger_entries_wallet_seq UNIQUE (wallet_id, seq),
  CONSTRAINT ref_ledger_entries_adds_up CHECK (
    balance_after = balance_before + CASE WHEN type IN ('credit', 'transfer_in') THEN amount ELSE -amount END));
CREATE TABLE IF NOT EXISTS ${s}.ref_idempotency_keys (
  user_id text NOT NULL, key text NOT NULL, operation text NOT NULL, fingerprint text NOT NULL,
  status_code integer NOT NULL, body json NOT NULL, request_id text NOT NULL,
  created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (user_id, key));
CREATE INDEX IF NOT EXISTS ref_idempotency_keys_expiry ON ${s}.ref_idempotency_keys (expires_at);
CREATE TABLE IF NOT EXISTS ${s}.ref_outbox (
  seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, type text NOT NULL, payload json NOT NULL,
  created_at timestamptz NOT NULL, published_at timestamptz, claimed_by text, claimed_until timestamptz);
CREATE INDEX IF NOT EXISTS ref_outbox_pending ON ${s}.ref_outbox (seq) WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS ${s}.ref_audit_events (
  id uuid PRIMARY KEY, actor text NOT NULL, ip text NOT NULL, action text NOT NULL, wallet_id uuid,
  amount bigint, outcome text NOT NULL, request_id text NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS ref_audit_events_page ON ${s}.ref_audit_events (created_at DESC, id DESC);`;

/** Creates the schema (when the API has not yet) and the reference tables. */
export async function createReferenceTables(pool, schema) {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await pool.query(DDL(schema));
}

/** `count` wallets of `balanceMinor` each, owned by <userPrefix><n> (n from 1); ids in n order. */
export async function seedReferenceWallets(pool, schema, { count, balanceMinor, userPrefix }) {
  const { rows } = await pool.query(
    `INSERT INTO ${schema}.ref_wallets (id, user_id, currency, balance, version, created_at, updated_at)
     SELECT gen_random_uuid(), $3 || n, 'USD', $2, 0, now(), now() FROM generate_series(1, $1) AS n
     RETURNING id, user_id`,
    [count, balanceMinor, userPrefix],
  );
  const ordinal = (row) => Number(row.user_id.slice(userPrefix.length));
  rows.sort((a, b) => ordinal(a) - ordinal(b));
  return rows.map((row) => row.id);
}

const walletJson = (row) => ({
  id: row.id,
  userId: row.user_id,
  currency: row.currency,
  balance: Number(row.balance),
  version: Number(row.version),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const EVENT_TYPES = { credit: 'wallet.credited', debit: 'wallet.debited' };

class Conflict extends Error {}

/**
 * One credit or debit, retried on a lost compare-and-swap like the API (attemptsMax,
 * full-jitter backoff from baseDelayMs, capped at delayMaxMs). Returns { statusCode, body }.
 */
export async function referenceBalanceChange(pool, schema, input, policy) {
  for (let attempt = 0; attempt < policy.attemptsMax; attempt++) {
    try {
      return await attemptOnce(pool, schema, input);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      if (attempt + 1 >= policy.attemptsMax) break;
      const ceilingMs = Math.min(policy.delayMaxMs, policy.baseDelayMs * 2 ** attempt);
      await sleep(Math.floor(Math.random() * ceilingMs));
    }
  }
  return { statusCode: 409, body: { code: 'concurrent_modification' } };
}

async function attemptOnce(pool, s, input) {
  const client = await pool.connect();
  let broken = null;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(`SELECT * FROM ${s}.ref_wallets WHERE id = $1 AND user_id = $2`, [
      input.walletId,
      input.userId,
    ]);
    const wallet = rows[0];
    if (!wallet) {
      await client.query('ROLLBACK');
      return { statusCode: 404, body: { code: 'wallet_not_found' } };
    }
    const delta = input.kind === 'credit' ? input.amount : -input.amount;
    const balanceBefore = Number(wallet.balance);
    if (balanceBefore + delta < 0) {
      await client.query('ROLLBACK');
      return { statusCode: 409, body: { code: 'insufficient_funds' } };
    }
    const now = new Date();
    const updated = await client.query(
      `UPDATE ${s}.ref_wallets SET balance = balance + $2, version = version + 1, updated_at = $3
        WHERE id = $1 AND version = $4 RETURNING *`,
      [wallet.id, delta, now, wallet.version],
    );
    if (updated.rowCount === 0) {
      await client.query('ROLLBACK');
      throw new Conflict();
    }
    const after = updated.rows[0];
    const transactionId = randomUUID();
    const transaction = {
      id: transactionId,
      walletId: wallet.id,
      type: input.kind,
      amount: input.amount,
      balanceBefore,
      balanceAfter: Number(after.balance),
      status: 'completed',
      metadata: {},
      createdAt: now.toISOString(),
    };
    const body = { data: { transactionId, wallet: walletJson(after), transaction } };
    await client.query(
      `INSERT INTO ${s}.ref_ledger_entries (id, wallet_id, seq, type, amount, balance_before, balance_after, metadata, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8)`,
      [transactionId, wallet.id, after.version, input.kind, input.amount, balanceBefore, after.balance, now],
    );
    await client.query(
      `INSERT INTO ${s}.ref_idempotency_keys (user_id, key, operation, fingerprint, status_code, body, request_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, 200, $5, $6, $7, $7::timestamptz + interval '1 day')`,
      [input.userId, input.key, `wallet.${input.kind}`, input.key, JSON.stringify(body), input.requestId, now],
    );
    await client.query(`INSERT INTO ${s}.ref_outbox (id, type, payload, created_at) VALUES ($1, $2, $3, $4)`, [
      transactionId,
      EVENT_TYPES[input.kind],
      JSON.stringify({
        id: transactionId,
        walletId: wallet.id,
        userId: input.userId,
        amount: input.amount,
        balanceAfter: Number(after.balance),
        occurredAt: now.toISOString(),
      }),
      now,
    ]);
    await client.query(
      `INSERT INTO ${s}.ref_audit_events (id, actor, ip, action, wallet_id, amount, outcome, request_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'ok', $7, $8)`,
      [randomUUID(), input.userId, input.ip, `wallet.${input.kind}`, wallet.id, input.amount, input.requestId, now],
    );
    await client.query('COMMIT');
    return { statusCode: 200, body };
  } catch (error) {
    if (!(error instanceof Conflict)) {
      // A failed ROLLBACK means the connection is gone: hand it back as broken.
      await client.query('ROLLBACK').catch((rollbackError) => {
        broken = rollbackError;
      });
    }
    throw error;
  } finally {
    client.release(broken ?? undefined);
  }
}
