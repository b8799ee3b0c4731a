/** The NOTIFY channel of outbox commits; the payload is the schema name. */
export const OUTBOX_CHANNEL = 'wallet_outbox';

/**
 * Numbered, forward-only migrations. Applied at start-up under an advisory lock, each in
 * its own transaction, recorded in schema_migrations: running them twice (or from two
 * processes at once) is harmless.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'ledger',
    sql: `
CREATE TABLE wallets (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  currency char(3) NOT NULL,
  balance bigint NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT wallets_balance_range CHECK (balance >= 0 AND balance <= 9007199254740991),
  CONSTRAINT wallets_version_range CHECK (version >= 0),
  CONSTRAINT wallets_user_currency UNIQUE (user_id, currency)
);
CREATE TABLE ledger_entries (
  id uuid PRIMARY KEY,
  wallet_id uuid NOT NULL REFERENCES wallets (id),
  seq bigint NOT NULL,
  type text NOT NULL CHECK (type IN ('credit', 'debit', 'transfer_in', 'transfer_out')),
  amount bigint NOT NULL CHECK (amount > 0),
  balance_before bigint NOT NULL CHECK (balance_before >= 0),
  balance_after bigint NOT NULL CHECK (balance_after >= 0),
  transfer_id uuid,
  metadata json NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT ledger_entries_wallet_seq UNIQUE (wallet_id, seq),
  CONSTRAINT ledger_entries_adds_up CHECK (
    balance_after = balance_before + CASE WHEN type IN ('credit', 'transfer_in') THEN amount ELSE -amount END),
  CONSTRAINT ledger_entries_transfer_leg CHECK ((transfer_id IS NULL) = (type IN ('credit', 'debit')))
);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id) WHERE transfer_id IS NOT NULL;
CREATE TABLE idempotency_keys (
  user_id text NOT NULL,
  key text NOT NULL,
  operation text NOT NULL,
  fingerprint text NOT NULL,
  status_code integer NOT NULL,
  body json NOT NULL,
  request_id text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  payload json NOT NULL,
  created_at timestamptz NOT NULL,
  published_at timestamptz,
  claimed_by text,
  claimed_until timestamptz
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;
CREATE TABLE audit_events (
  id uuid PRIMARY KEY,
  actor text NOT NULL,
  ip text NOT NULL,
  action text NOT NULL,
  wallet_id uuid,
  amount bigint,
  outcome text NOT NULL,
  request_id text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX audit_events_page ON audit_events (created_at DESC, id DESC);
CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  url text NOT NULL,
  events text[] NOT NULL,
  secret text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, created_at);
CREATE TABLE reconciliation_reports (
  id uuid PRIMARY KEY,
  finished_at timestamptz NOT NULL,
  report json NOT NULL
);
CREATE INDEX reconciliation_reports_latest ON reconciliation_reports (finished_at DESC);
`,
  },
  {
    version: 2,
    name: 'webhook-quotas-and-wallet-pages',
    // webhook_quotas: one counter row per user, the lock the endpoint cap is checked under
    // (webhooks.ts); backfilled from the endpoints stored so far. wallets_user_page serves the
    // paged wallet list (wallet-list.ts).
    sql: `
CREATE TABLE webhook_quotas (
  user_id text PRIMARY KEY,
  endpoints integer NOT NULL CHECK (endpoints >= 0)
);
INSERT INTO webhook_quotas (user_id, endpoints) SELECT user_id, count(*) FROM webhook_endpoints GROUP BY user_id;
CREATE INDEX wallets_user_page ON wallets (user_id, created_at, id);
`,
  },
  {
    version: 3,
    name: 'webhook-deliveries',
    // One row per (event, endpoint) the relay handed to BullMQ: pending until the worker
    // records its outcome. Pending rows whose due time passed are relayed again (their job
    // may have vanished with an empty Redis); the partial index keeps that scan to them.
    sql: `
CREATE TABLE webhook_deliveries (
  event_id uuid NOT NULL,
  endpoint_id uuid NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'skipped')),
  due_at timestamptz,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (event_id, endpoint_id),
  CONSTRAINT webhook_deliveries_due CHECK ((state = 'pending') = (due_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (due_at) WHERE state = 'pending';
`,
  },
  {
    version: 4,
    name: 'holds and reversals',
    sql: `
ALTER TABLE wallets
  ADD COLUMN held_balance bigint NOT NULL DEFAULT 0,
  ADD COLUMN hold_count bigint NOT NULL DEFAULT 0,
  ADD CONSTRAINT wallets_held_range CHECK (held_balance >= 0 AND held_balance <= balance),
  ADD CONSTRAINT wallets_hold_count_range CHECK (hold_count >= 0);
CREATE TABLE holds (
  id uuid PRIMARY KEY,
  wallet_id uuid NOT NULL REFERENCES wallets (id),
  seq bigint NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  captured_amount bigint NOT NULL DEFAULT 0,
  status text NOT NULL CHECK (status IN ('active', 'captured', 'voided', 'expired')),
  expires_at timestamptz NOT NULL,
  metadata json NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT holds_wallet_seq UNIQUE (wallet_id, seq),
  CONSTRAINT holds_captured_range CHECK (captured_amount >= 0 AND captured_amount <= amount),
  CONSTRAINT holds_captured_status CHECK ((status = 'captured') = (captured_amount > 0))
);
-- Lists by status, newest first, page on seq; the unique (wallet_id, seq) serves the unfiltered list.
CREATE INDEX holds_wallet_status_seq ON holds (wallet_id, status, seq DESC);
-- The expiry sweep walks only active holds in expiry order.
CREATE INDEX holds_active_expiry ON holds (expires_at) WHERE status = 'active';
ALTER TABLE ledger_entries
  DROP CONSTRAINT ledger_entries_type_check,
  ADD CONSTRAINT ledger_entries_type_check
    CHECK (type IN ('credit', 'debit', 'transfer_in', 'transfer_out', 'capture', 'capture_in', 'reversal')),
  DROP CONSTRAINT ledger_entries_adds_up,
  ADD CONSTRAINT ledger_entries_adds_up CHECK (CASE
    WHEN type = 'reversal' THEN abs(balance_after - balance_before) = amount
    ELSE balance_after = balance_before
      + CASE WHEN type IN ('credit', 'transfer_in', 'capture_in') THEN amount ELSE -amount END END),
  DROP CONSTRAINT ledger_entries_transfer_leg,
  ADD CONSTRAINT ledger_entries_transfer_leg CHECK ((transfer_id IS NOT NULL) = (type IN ('transfer_in', 'transfer_out'))),
  ADD COLUMN hold_id uuid REFERENCES holds (id),
  ADD COLUMN reversal_of uuid REFERENCES ledger_entries (id),
  ADD COLUMN reversed_amount bigint NOT NULL DEFAULT 0,
  ADD CONSTRAINT ledger_entries_hold_leg CHECK ((hold_id IS NOT NULL) = (type IN ('capture', 'capture_in'))),
  ADD CONSTRAINT ledger_entries_reversal_leg CHECK ((reversal_of IS NOT NULL) = (type = 'reversal')),
  ADD CONSTRAINT ledger_entries_reversed_range CHECK (reversed_amount >= 0 AND reversed_amount <= amount);
CREATE INDEX ledger_entries_hold ON ledger_entries (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX ledger_entries_reversal_of ON ledger_entries (reversal_of) WHERE reversal_of IS NOT NULL;
`,
  },
  {
    version: 5,
    name: 'outbox-notify',
    // Tells the relay's LISTEN connection (outbox-listener.ts) that outbox rows were committed,
    // so it need not wait for its poll. PostgreSQL serialises the commits of every transaction
    // that notified (a database-wide lock held through the commit's WAL flush), which halved
    // the commit rate of a 20-connection credit loop here. So a commit notifies only when the
    // relay may be asleep: when no older event is waiting unclaimed. If one is, a commit already
    // notified for it and the relay, which runs rounds until one claims nothing, will take this
    // one too. A deferred constraint trigger runs the check at commit, as late as possible (a
    // row trigger: constraint triggers have no statement form; the check is one index probe on
    // outbox_pending). Many schemas may share one database (tests, the bench): the payload names
    // the schema and a listener ignores the others'. Nothing is sent for a rolled-back write.
    sql: `
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM outbox o
     WHERE o.published_at IS NULL AND o.seq < NEW.seq AND (o.claimed_until IS NULL OR o.claimed_until < now())
  ) THEN
    PERFORM pg_notify('${OUTBOX_CHANNEL}', TG_TABLE_SCHEMA);
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER outbox_notify AFTER INSERT ON outbox
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION outbox_notify();
`,
  },
];
