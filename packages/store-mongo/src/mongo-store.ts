import { MongoClient, type ClientSession, type Db } from 'mongodb';
import { invariant, StoreUnavailable, WEBHOOKS_PER_USER_MAX } from '@wallet/ledger';
import type { LedgerStore, WriteOutcome, WriteContext } from '@wallet/ledger';
import type { BalanceCommand, CreateWalletCommand, ReverseCommand, TransferCommand } from '@wallet/ledger';
import type { CaptureHoldCommand, CreateHoldCommand, ExpireHoldsCommand, VoidHoldCommand } from '@wallet/ledger';
import type { Hold, HoldStatus, StoredHold } from '@wallet/ledger';
import type { OutboxEvent, OutboxRound, OutboxRoundClaim, OutboxWatch, WebhookEndpoint } from '@wallet/ledger';
import type { AuditEvent, IdempotencyRecord, StoredTransaction, Wallet } from '@wallet/ledger';
import { BookkeepingStore, OpenWatches } from '@wallet/ledger/store-kit';
import { collectionsOf, ensureSchema, type Collections } from './collections.js';
import {
  auditFromDoc,
  auditToDoc,
  DOC_READ,
  entryFromDoc,
  recordFromDoc,
  toDate,
  toLong,
  walletFromDoc,
  webhookFromDoc,
} from './mapping.js';
import { translateError } from './mongo-errors.js';
import { claimOutbox, claimOutboxRound, markOutboxPublished, outboxLagSeconds } from './outbox.js';
import { OutboxChangeStreams } from './outbox-watch.js';
import { Reconciliation } from './reconciliation.js';
import { Deliveries } from './deliveries.js';
import { runTransaction } from './transaction.js';
import {
  assertReplicaSet,
  clientOptions,
  databaseNameOf,
  longTimeoutMs,
  validateOptions,
  type MongoStoreOptions,
} from './options.js';
import { existingAfterRace, KeyTaken, type Tx } from './write-common.js';
import { applyBalanceChange } from './balance-change.js';
import { applyBalanceBatch } from './balance-batch.js';
import { captureHold, createHold, voidHold } from './holds.js';
import { expireHolds, getHold, listHolds } from './hold-queries.js';
import { reverseTransaction } from './reversal.js';
import { transfer } from './transfer.js';
import { createWallet, WalletTaken, recordWalletExists } from './create-wallet.js';
import {
  WEBHOOKS_LISTED_MAX,
  createWebhookCapped,
  deleteWebhook,
  webhooksForUsers,
  type WebhookStoreContext,
} from './webhooks.js';
import { listWallets } from './wallet-list.js';

/** Largest page any list read returns; callers ask for less (history pages stop at 101). */
const PAGE_MAX = 1000;

/**
 * The MongoDB adapter of the ledger port (official driver). Money moves only inside
 * multi-document transactions (snapshot reads, majority commits), so it needs a replica
 * set or a sharded cluster; ready() refuses a standalone server.
 */
export class MongoStore extends BookkeepingStore implements LedgerStore {
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #collections: Collections;
  readonly #timeoutMs: number;
  protected readonly reconciliationQueries: Reconciliation;
  protected readonly deliveryQueries: Deliveries;
  readonly #watches = new OpenWatches();
  #connected = false;
  #closed = false;

  constructor(options: MongoStoreOptions) {
    super();
    validateOptions(options);
    this.#timeoutMs = options.operationTimeoutMs;
    this.#client = new MongoClient(options.url, clientOptions(options));
    this.#db = this.#client.db(databaseNameOf(options));
    this.#collections = collectionsOf(this.#db);
    this.reconciliationQueries = new Reconciliation(this.#collections, longTimeoutMs(options.operationTimeoutMs));
    this.deliveryQueries = new Deliveries(this.#collections, options.operationTimeoutMs);
  }

  /** The database name, for tests and tools that reach the collections directly. */
  get dbName(): string {
    return this.#db.databaseName;
  }

  async ready(): Promise<void> {
    await this.#run(async () => {
      await assertReplicaSet(this.#db);
      await ensureSchema(this.#db, this.#collections, this.#timeoutMs);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#watches.closeAll();
    await this.#client.close();
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#db.command({ ping: 1, maxTimeMS: this.#timeoutMs }));
  }

  async createWallet(command: CreateWalletCommand): Promise<WriteOutcome> {
    try {
      return await this.#write(command, (tx) => createWallet(tx, command));
    } catch (error) {
      if (!(error instanceof WalletTaken)) throw error;
      return this.#write(command, (tx) => recordWalletExists(tx, command));
    }
  }

  applyBalanceChange(command: BalanceCommand): Promise<WriteOutcome> {
    return this.#write(command, (tx) => applyBalanceChange(tx, command));
  }

  /** One transaction per batch (balance-batch.ts); a key taken meanwhile is a VersionConflict the core retries. */
  applyBalanceBatch(commands: BalanceCommand[]): Promise<WriteOutcome[]> {
    return this.#run(() =>
      runTransaction(this.#client, this.#timeoutMs, (session) => applyBalanceBatch(this.#tx(session), commands)),
    );
  }

  transfer(command: TransferCommand): Promise<WriteOutcome> {
    return this.#write(command, (tx) => transfer(tx, command));
  }

  createHold(command: CreateHoldCommand): Promise<WriteOutcome> {
    return this.#write(command, (tx) => createHold(tx, command));
  }

  captureHold(command: CaptureHoldCommand): Promise<WriteOutcome> {
    return this.#write(command, (tx) => captureHold(tx, command));
  }

  voidHold(command: VoidHoldCommand): Promise<WriteOutcome> {
    return this.#write(command, (tx) => voidHold(tx, command));
  }

  reverseTransaction(command: ReverseCommand): Promise<WriteOutcome> {
    return this.#write(command, (tx) => reverseTransaction(tx, command));
  }

  getHold(holdId: string): Promise<StoredHold | null> {
    return this.#run(() => getHold(this.#collections, holdId, this.#timeoutMs));
  }

  listHolds(walletId: string, page: { status?: HoldStatus; limit: number; beforeSeq?: number }): Promise<StoredHold[]> {
    assertLimit(page.limit);
    return this.#run(() => listHolds(this.#collections, walletId, page, this.#timeoutMs));
  }

  expireHolds(command: ExpireHoldsCommand): Promise<Hold[]> {
    return this.#run(() => expireHolds(this.#client, this.#collections, command, this.#timeoutMs));
  }

  async getWallet(userId: string, walletId: string): Promise<Wallet | null> {
    const doc = await this.#run(() =>
      this.#collections.wallets.findOne({ _id: walletId, userId }, { maxTimeMS: this.#timeoutMs, ...DOC_READ }),
    );
    return doc ? walletFromDoc(doc) : null;
  }

  async findWallet(walletId: string): Promise<Wallet | null> {
    const doc = await this.#run(() =>
      this.#collections.wallets.findOne({ _id: walletId }, { maxTimeMS: this.#timeoutMs, ...DOC_READ }),
    );
    return doc ? walletFromDoc(doc) : null;
  }

  listWallets(userId: string, page: { limit: number; after?: { createdAt: string; id: string } }): Promise<Wallet[]> {
    assertLimit(page.limit);
    return this.#run(() => listWallets(this.#collections, userId, page, this.#timeoutMs));
  }

  async findIdempotencyRecord(userId: string, key: string): Promise<IdempotencyRecord | null> {
    const doc = await this.#run(() =>
      this.#collections.idempotency.findOne({ userId, key }, { maxTimeMS: this.#timeoutMs, ...DOC_READ }),
    );
    return doc ? recordFromDoc(doc) : null;
  }

  /** Explicit purge next to the TTL index: the TTL monitor runs only about once a minute. */
  async purgeExpiredIdempotency(now: string, limit: number): Promise<number> {
    assertLimit(limit);
    const expired = { expiresAt: { $lt: toDate(now, 'now') } };
    return this.#run(async () => {
      const docs = await this.#collections.idempotency
        .find(expired, { projection: { _id: 1 }, limit, maxTimeMS: this.#timeoutMs })
        .toArray();
      if (docs.length === 0) return 0;
      const result = await this.#collections.idempotency.deleteMany(
        { _id: { $in: docs.map((doc) => doc._id) }, ...expired },
        { maxTimeMS: this.#timeoutMs },
      );
      return result.deletedCount;
    });
  }

  async listTransactions(walletId: string, page: { limit: number; beforeSeq?: number }): Promise<StoredTransaction[]> {
    assertLimit(page.limit);
    const filter =
      page.beforeSeq === undefined ? { walletId } : { walletId, seq: { $lt: toLong(page.beforeSeq, 'beforeSeq') } };
    const docs = await this.#run(() =>
      this.#collections.entries
        .find(filter, { sort: { seq: -1 }, limit: page.limit, maxTimeMS: this.#timeoutMs, ...DOC_READ })
        .toArray(),
    );
    return docs.map(entryFromDoc);
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.#run(() => this.#collections.audit.insertOne(auditToDoc(event), { maxTimeMS: this.#timeoutMs }));
  }

  async listAudit(page: { limit: number; before?: { createdAt: string; id: string } }): Promise<AuditEvent[]> {
    assertLimit(page.limit);
    const before = page.before;
    const at = before ? toDate(before.createdAt, 'before.createdAt') : null;
    const filter =
      before && at ? { $or: [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: before.id } }] } : {};
    const docs = await this.#run(() =>
      this.#collections.audit
        .find(filter, { sort: { createdAt: -1, _id: -1 }, limit: page.limit, maxTimeMS: this.#timeoutMs, ...DOC_READ })
        .toArray(),
    );
    return docs.map(auditFromDoc);
  }

  claimOutbox(claim: { limit: number; leaseMs: number; owner: string }): Promise<OutboxEvent[]> {
    return this.#run(() => claimOutbox(this.#collections, claim, this.#timeoutMs));
  }

  markOutboxPublished(ids: string[], owner: string): Promise<void> {
    return this.#run(() => markOutboxPublished(this.#collections, ids, owner, this.#timeoutMs));
  }

  /** Three steps in order (outbox.ts); bounds checked by BookkeepingStore.claimOutboxRound. */
  protected outboxRound(round: OutboxRoundClaim): Promise<OutboxRound> {
    return claimOutboxRound(this.#collections, round, this.#timeoutMs);
  }

  outboxLagSeconds(): Promise<number> {
    return this.#run(() => outboxLagSeconds(this.#collections, this.#timeoutMs));
  }

  /** A change stream on the outbox collection (outbox-watch.ts), reopened with backoff when it fails. */
  watchOutbox(onCommitted: () => void, onInterrupted?: () => void): Promise<OutboxWatch> {
    const streams = new OutboxChangeStreams(this.#collections, () => this.#connect(), this.#timeoutMs);
    return this.#watches.start(streams.open, { onCommitted, onInterrupted });
  }

  createWebhook(endpoint: WebhookEndpoint, perUserMax = WEBHOOKS_PER_USER_MAX): Promise<'created' | 'limit_reached'> {
    return this.#run(() => createWebhookCapped(this.#webhookContext(), endpoint, perUserMax));
  }

  async listWebhooks(userId: string): Promise<WebhookEndpoint[]> {
    const docs = await this.#run(() =>
      this.#collections.webhooks
        .find({ userId }, { sort: { createdAt: 1, _id: 1 }, limit: WEBHOOKS_LISTED_MAX, maxTimeMS: this.#timeoutMs })
        .toArray(),
    );
    return docs.map(webhookFromDoc);
  }

  /** Bounds checked and ids deduplicated by BookkeepingStore.webhooksForUsers. */
  protected endpointsOfUsers(users: string[]): Promise<WebhookEndpoint[]> {
    return webhooksForUsers(this.#collections, users, this.#timeoutMs);
  }

  async getWebhook(userId: string, id: string): Promise<WebhookEndpoint | null> {
    const doc = await this.#run(() =>
      this.#collections.webhooks.findOne({ _id: id, userId }, { maxTimeMS: this.#timeoutMs }),
    );
    return doc ? webhookFromDoc(doc) : null;
  }

  deleteWebhook(userId: string, id: string): Promise<boolean> {
    return this.#run(() => deleteWebhook(this.#webhookContext(), userId, id));
  }

  #webhookContext(): WebhookStoreContext {
    return { client: this.#client, collections: this.#collections, timeoutMs: this.#timeoutMs };
  }

  /**
   * One money write in one transaction. A concurrent request with the same key that
   * committed first makes this one abort with KeyTaken; its record is then replayed.
   */
  async #write(context: WriteContext, body: (tx: Tx) => Promise<WriteOutcome>): Promise<WriteOutcome> {
    try {
      return await this.#run(() => runTransaction(this.#client, this.#timeoutMs, (session) => body(this.#tx(session))));
    } catch (error) {
      if (error instanceof KeyTaken)
        return this.#run(() => existingAfterRace(this.#collections, context, this.#timeoutMs));
      throw error;
    }
  }

  #tx(session: ClientSession): Tx {
    return { collections: this.#collections, session, options: { session, maxTimeMS: this.#timeoutMs } };
  }

  /** Connects first when needed, then runs; driver errors leave as StoreUnavailable or as they are. */
  protected guarded<T>(operation: () => Promise<T>): Promise<T> {
    return this.#run(operation);
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      await this.#connect();
      return await operation();
    } catch (error) {
      throw translateError(error);
    }
  }

  /**
   * A MongoClient whose first connect failed stays closed ("Topology is closed") instead of
   * retrying, so every call connects until one connect succeeds (the driver merges
   * concurrent attempts). From then on the driver's own monitoring reconnects after outages.
   */
  async #connect(): Promise<void> {
    if (this.#connected) return;
    if (this.#closed) throw new StoreUnavailable('MongoStore is closed');
    await this.#client.connect();
    this.#connected = true;
  }
}

function assertLimit(limit: number): void {
  invariant(Number.isSafeInteger(limit) && limit >= 1 && limit <= PAGE_MAX, 'page limit out of range');
}
