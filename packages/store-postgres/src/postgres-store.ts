import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { WEBHOOKS_PER_USER_MAX } from '@wallet/ledger';
import type { LedgerStore, WriteOutcome } from '@wallet/ledger';
import type { BalanceCommand, CreateWalletCommand, ReverseCommand, TransferCommand } from '@wallet/ledger';
import type { CaptureHoldCommand, CreateHoldCommand, ExpireHoldsCommand, VoidHoldCommand } from '@wallet/ledger';
import type { Hold, HoldStatus, StoredHold } from '@wallet/ledger';
import type { OutboxEvent, OutboxRound, OutboxRoundClaim, OutboxWatch, WebhookEndpoint } from '@wallet/ledger';
import type { AuditEvent, IdempotencyRecord, StoredTransaction, Wallet } from '@wallet/ledger';
import { BookkeepingStore, OpenWatches } from '@wallet/ledger/store-kit';
import { applyBalanceChange } from './balance-change.js';
import { applyBalanceBatch } from './balance-batch.js';
import { captureHold, createHold, voidHold } from './holds.js';
import { expireHolds, getHold, listHolds } from './hold-queries.js';
import { reverseTransaction } from './reversal.js';
import { createWallet } from './create-wallet.js';
import { transfer } from './transfer.js';
import { migrate } from './migrate.js';
import { auditFromRow, entryFromRow, idempotencyFromRow, walletFromRow, webhookFromRow } from './mapping.js';
import { isUniqueViolation, mapError, prepare, typeParsers } from './sql-util.js';
import { ReconciliationQueries } from './reconciliation.js';
import { auditParams, insertAudit } from './write-common.js';
import { createWebhookCapped, deleteWebhook, endpointsOfUsers, listWebhooks } from './webhooks.js';
import { listWallets } from './wallet-list.js';
import { DeliveryQueries } from './deliveries.js';
import { openListener } from './outbox-listener.js';
import { claimOutbox, claimOutboxRound, markOutboxPublished } from './outbox.js';

const APPEND_AUDIT = prepare('audit-append', insertAudit('true'));

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding every table; created when missing. Default "public". */
  schema?: string;
  /** Connections in the pool. Default 20. */
  poolMax?: number;
  /** Server-side statement timeout. Default 5000 ms. */
  statementTimeoutMs?: number;
  /** Wait for a free connection before failing with 503. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Shown in pg_stat_activity, to tell this pool's sessions apart. Default "wallet". */
  applicationName?: string;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The PostgreSQL adapter of the ledger port (node-postgres). The statements on the request
 * path are named, so each connection parses and plans them once instead of on every call
 * (planning the credit statement costs about as much as running it).
 */
export class PostgresStore extends BookkeepingStore implements LedgerStore {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #options: PostgresStoreOptions;
  readonly #watches = new OpenWatches();
  protected readonly reconciliationQueries: ReconciliationQueries;
  protected readonly deliveryQueries: DeliveryQueries;

  constructor(options: PostgresStoreOptions) {
    super();
    this.#options = options;
    this.#schema = options.schema ?? 'public';
    if (!SCHEMA_PATTERN.test(this.#schema)) throw new Error('PostgresStore: invalid schema name');
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 20,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 5000,
      idle_in_transaction_session_timeout: (options.statementTimeoutMs ?? 5000) * 2,
      application_name: options.applicationName ?? 'wallet',
      options: `-c search_path=${this.#schema}`,
      types: typeParsers,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on('error', () => undefined);
    this.reconciliationQueries = new ReconciliationQueries(this.#pool);
    this.deliveryQueries = new DeliveryQueries(this.#pool);
  }

  /** The schema name, for tests and tools that reach the tables directly. */
  get schema(): string {
    return this.#schema;
  }

  async ready(): Promise<void> {
    await this.#run(() => migrate(this.#pool, this.#schema));
  }

  async close(): Promise<void> {
    await this.#watches.closeAll();
    await this.#pool.end();
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#pool.query('SELECT 1'));
  }

  createWallet(command: CreateWalletCommand): Promise<WriteOutcome> {
    return this.#write(command.userId, command.idempotency?.key, () => createWallet(this.#pool, command, randomUUID()));
  }

  applyBalanceChange(command: BalanceCommand): Promise<WriteOutcome> {
    return this.#write(command.userId, command.idempotency?.key, () =>
      applyBalanceChange(this.#pool, command, randomUUID()),
    );
  }

  /** One transaction for the batch (balance-batch.ts); the core retries a VersionConflict. */
  applyBalanceBatch(commands: BalanceCommand[]): Promise<WriteOutcome[]> {
    return this.#run(() => applyBalanceBatch(this.#pool, commands));
  }

  transfer(command: TransferCommand): Promise<WriteOutcome> {
    return this.#write(command.userId, command.idempotency?.key, () => transfer(this.#pool, command, randomUUID()));
  }

  createHold(command: CreateHoldCommand): Promise<WriteOutcome> {
    return this.#write(command.userId, command.idempotency?.key, () => createHold(this.#pool, command, randomUUID()));
  }

  captureHold(command: CaptureHoldCommand): Promise<WriteOutcome> {
    return this.#write(command.userId, command.idempotency?.key, () => captureHold(this.#pool, command, randomUUID()));
  }

  voidHold(command: VoidHoldCommand): Promise<WriteOutcome> {
    return this.#write(command.userId, command.idempotency?.key, () => voidHold(this.#pool, command, randomUUID()));
  }

  reverseTransaction(command: ReverseCommand): Promise<WriteOutcome> {
    return this.#write(command.userId, command.idempotency?.key, () =>
      reverseTransaction(this.#pool, command, randomUUID()),
    );
  }

  getHold(holdId: string): Promise<StoredHold | null> {
    return this.#run(() => getHold(this.#pool, holdId));
  }

  listHolds(walletId: string, page: { status?: HoldStatus; limit: number; beforeSeq?: number }): Promise<StoredHold[]> {
    return this.#run(() => listHolds(this.#pool, walletId, page));
  }

  expireHolds(command: ExpireHoldsCommand): Promise<Hold[]> {
    return this.#run(() => expireHolds(this.#pool, command));
  }

  async getWallet(userId: string, walletId: string): Promise<Wallet | null> {
    const { rows } = await this.#run(() =>
      this.#pool.query({
        name: 'wallet-get',
        text: 'SELECT * FROM wallets WHERE id = $1 AND user_id = $2',
        values: [walletId, userId],
      }),
    );
    return rows[0] ? walletFromRow(rows[0]) : null;
  }

  async findWallet(walletId: string): Promise<Wallet | null> {
    const { rows } = await this.#run(() => this.#pool.query('SELECT * FROM wallets WHERE id = $1', [walletId]));
    return rows[0] ? walletFromRow(rows[0]) : null;
  }

  listWallets(userId: string, page: { limit: number; after?: { createdAt: string; id: string } }): Promise<Wallet[]> {
    return this.#run(() => listWallets(this.#pool, userId, page));
  }

  async findIdempotencyRecord(userId: string, key: string): Promise<IdempotencyRecord | null> {
    const { rows } = await this.#run(() =>
      this.#pool.query('SELECT * FROM idempotency_keys WHERE user_id = $1 AND key = $2', [userId, key]),
    );
    return rows[0] ? idempotencyFromRow(rows[0]) : null;
  }

  async purgeExpiredIdempotency(now: string, limit: number): Promise<number> {
    const { rowCount } = await this.#run(() =>
      this.#pool.query(
        `DELETE FROM idempotency_keys WHERE (user_id, key) IN (
         SELECT user_id, key FROM idempotency_keys WHERE expires_at < $1 LIMIT $2)`,
        [now, limit],
      ),
    );
    return rowCount ?? 0;
  }

  async listTransactions(walletId: string, page: { limit: number; beforeSeq?: number }): Promise<StoredTransaction[]> {
    // Two statements, not one with "$2 IS NULL OR": a cached generic plan must still use
    // the (wallet_id, seq) index bound for deep pages.
    const query =
      page.beforeSeq === undefined
        ? {
            name: 'entries-first-page',
            text: 'SELECT * FROM ledger_entries WHERE wallet_id = $1 ORDER BY seq DESC LIMIT $2',
            values: [walletId, page.limit],
          }
        : {
            name: 'entries-page',
            text: 'SELECT * FROM ledger_entries WHERE wallet_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
            values: [walletId, page.beforeSeq, page.limit],
          };
    const { rows } = await this.#run(() => this.#pool.query(query));
    return rows.map(entryFromRow);
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.#run(() => this.#pool.query(APPEND_AUDIT.query(auditParams(event))));
  }

  async listAudit(page: { limit: number; before?: { createdAt: string; id: string } }): Promise<AuditEvent[]> {
    const { rows } = await this.#run(() =>
      this.#pool.query(
        `SELECT * FROM audit_events
        WHERE $1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid)
        ORDER BY created_at DESC, id DESC LIMIT $3`,
        [page.before?.createdAt ?? null, page.before?.id ?? null, page.limit],
      ),
    );
    return rows.map(auditFromRow);
  }

  claimOutbox(claim: { limit: number; leaseMs: number; owner: string }): Promise<OutboxEvent[]> {
    return this.#run(() => claimOutbox(this.#pool, claim));
  }

  markOutboxPublished(ids: string[], owner: string): Promise<void> {
    return this.#run(() => markOutboxPublished(this.#pool, ids, owner));
  }

  /** One statement (outbox.ts); bounds checked by BookkeepingStore.claimOutboxRound. */
  protected outboxRound(round: OutboxRoundClaim): Promise<OutboxRound> {
    return claimOutboxRound(this.#pool, round);
  }

  async outboxLagSeconds(): Promise<number> {
    const { rows } = await this.#run(() =>
      this.#pool.query(
        `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS lag
         FROM outbox WHERE published_at IS NULL`,
      ),
    );
    return Math.max(0, Number(rows[0]?.lag ?? 0));
  }

  /** LISTEN on a dedicated connection (outbox-listener.ts); the migration's trigger notifies. */
  watchOutbox(onCommitted: () => void, onInterrupted?: () => void): Promise<OutboxWatch> {
    const listener = {
      connectionString: this.#options.connectionString,
      schema: this.#schema,
      applicationName: `${this.#options.applicationName ?? 'wallet'}-listen`,
      connectTimeoutMs: this.#options.connectTimeoutMs ?? 5000,
    };
    return this.#watches.start((signal, lost) => openListener(listener, signal, lost), { onCommitted, onInterrupted });
  }

  createWebhook(endpoint: WebhookEndpoint, perUserMax = WEBHOOKS_PER_USER_MAX): Promise<'created' | 'limit_reached'> {
    return this.#run(() => createWebhookCapped(this.#pool, endpoint, perUserMax));
  }

  listWebhooks(userId: string): Promise<WebhookEndpoint[]> {
    return this.#run(() => listWebhooks(this.#pool, userId));
  }

  /** Bounds checked and ids deduplicated by BookkeepingStore.webhooksForUsers. */
  protected endpointsOfUsers(users: string[]): Promise<WebhookEndpoint[]> {
    return endpointsOfUsers(this.#pool, users);
  }

  async getWebhook(userId: string, id: string): Promise<WebhookEndpoint | null> {
    const { rows } = await this.#run(() =>
      this.#pool.query('SELECT * FROM webhook_endpoints WHERE id = $1 AND user_id = $2', [id, userId]),
    );
    return rows[0] ? webhookFromRow(rows[0]) : null;
  }

  deleteWebhook(userId: string, id: string): Promise<boolean> {
    return this.#run(() => deleteWebhook(this.#pool, userId, id));
  }

  /** A money write; a concurrent twin with the same key loses on the primary key and replays. */
  async #write(userId: string, key: string | undefined, operation: () => Promise<WriteOutcome>): Promise<WriteOutcome> {
    try {
      return await this.#run(operation);
    } catch (error) {
      if (
        key !== undefined &&
        isUniqueViolation((error as { cause?: unknown }).cause ?? error, 'idempotency_keys_pkey')
      ) {
        const record = await this.findIdempotencyRecord(userId, key);
        if (record) return { kind: 'existing', record };
      }
      throw error;
    }
  }

  protected guarded<T>(operation: () => Promise<T>): Promise<T> {
    return this.#run(operation);
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw mapError(error);
    }
  }
}
