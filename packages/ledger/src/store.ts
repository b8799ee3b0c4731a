import type {
  AuditEvent,
  BalanceCommand,
  CaptureHoldCommand,
  CreateHoldCommand,
  CreateWalletCommand,
  ExpireHoldsCommand,
  Hold,
  HoldStatus,
  ReverseCommand,
  ReversalAudit,
  StoredHold,
  VoidHoldCommand,
  IdempotencyRecord,
  OutboxEvent,
  ReconciliationReport,
  StoredTransaction,
  TransferCommand,
  Wallet,
  WalletAudit,
  WebhookEndpoint,
  WriteOutcome,
} from './types.js';
import type { DeliveryKey, DeliveryOutcome, DeliveryRecord, DueDelivery } from './deliveries.js';

/** User ids one webhooksForUsers call accepts: OUTBOX_BATCH_SIZE's ceiling. */
export const WEBHOOK_READ_USERS_MAX = 1000;

/** Endpoints per user (createWebhook's default cap): each event fans out to all of them. */
export const WEBHOOKS_PER_USER_MAX = 20;

/** A running outbox watch (LedgerStore.watchOutbox). */
export interface OutboxWatch {
  /** Stops the signals and releases the watch's connection; calling it again does nothing. */
  close(): Promise<void>;
}

/** A relay round's claim (LedgerStore.claimOutboxRound). */
export interface OutboxRoundClaim {
  /** At most WEBHOOK_READ_USERS_MAX, so the round's endpoint read stays within webhooksForUsers' bound. */
  limit: number;
  leaseMs: number;
  owner: string;
  /**
   * Events this owner claimed in an earlier round and has since handed on (their delivery jobs
   * are in Redis): marked published as markOutboxPublished(published, owner) would, before the
   * claim, and never handed out by this claim. At most WEBHOOK_READ_USERS_MAX ids.
   */
  published: string[];
}

/** What a relay round reads: the claimed events (oldest first) and every endpoint of their users. */
export interface OutboxRound {
  events: OutboxEvent[];
  /** As webhooksForUsers would return for the events' users: at most 100 per user, in no particular order. */
  endpoints: WebhookEndpoint[];
}

/**
 * The port every store adapter implements (PostgreSQL, MongoDB). No driver type crosses
 * it. Adapters own their connections. Money-moving methods commit the balance change, the
 * ledger entries, the idempotency record, the outbox events and the audit event in one
 * database transaction, or nothing. Errors: VersionConflict (retry), StoreUnavailable
 * (503), anything else is a bug.
 */
export interface LedgerStore {
  /** Connects and creates or migrates the schema, idempotently. */
  ready(): Promise<void>;
  close(): Promise<void>;
  /** Cheap round trip for readiness; throws StoreUnavailable when down. */
  ping(): Promise<void>;

  createWallet(command: CreateWalletCommand): Promise<WriteOutcome>;
  /** The wallet when it exists and belongs to userId; null otherwise. */
  getWallet(userId: string, walletId: string): Promise<Wallet | null>;
  /** Oldest first by (createdAt, id); `after` pages on past that position (wallet-list.ts in each adapter). */
  listWallets(userId: string, page: { limit: number; after?: { createdAt: string; id: string } }): Promise<Wallet[]>;
  /** Any wallet, for the transfer recipient's currency and the worker; null when absent. */
  findWallet(walletId: string): Promise<Wallet | null>;

  applyBalanceChange(command: BalanceCommand): Promise<WriteOutcome>;
  /**
   * Credits and debits of ONE wallet (1..BALANCE_BATCH_SIZE_MAX commands, RangeError otherwise),
   * in one transaction: the wallet is locked (or compared-and-swapped once) and the commands are
   * judged in order by judgeBalanceBatch (store-kit) on the running wallet, so each outcome is
   * the one a one-by-one run of applyBalanceChange would give; one outcome per command, in order.
   * A lost race (a key committed meanwhile elsewhere, the wallet moved) is a VersionConflict for
   * the whole batch, which the core retries.
   */
  applyBalanceBatch(commands: BalanceCommand[]): Promise<WriteOutcome[]>;
  transfer(command: TransferCommand): Promise<WriteOutcome>;
  /**
   * Holds and reversals: like transfer, each commits its effect, entries, record, outbox
   * event(s) and audit row in one transaction, and judges its refusals in that same
   * statement or transaction; a hold's expiry is judged by the database's clock.
   */
  createHold(command: CreateHoldCommand): Promise<WriteOutcome>;
  captureHold(command: CaptureHoldCommand): Promise<WriteOutcome>;
  voidHold(command: VoidHoldCommand): Promise<WriteOutcome>;
  reverseTransaction(command: ReverseCommand): Promise<WriteOutcome>;
  /** Any hold, with its wallet's owner for the ownership check; null when absent. */
  getHold(holdId: string): Promise<StoredHold | null>;
  /** Newest first; `beforeSeq` pages back (holds with seq < beforeSeq). */
  listHolds(walletId: string, page: { status?: HoldStatus; limit: number; beforeSeq?: number }): Promise<StoredHold[]>;
  /**
   * Releases up to `limit` active holds whose expiresAt has passed by the database's clock,
   * each with its hold.expired event and audit row; several sweepers never take the same hold.
   */
  expireHolds(command: ExpireHoldsCommand): Promise<Hold[]>;
  findIdempotencyRecord(userId: string, key: string): Promise<IdempotencyRecord | null>;
  /** Deletes records past their expiry; returns how many. */
  purgeExpiredIdempotency(now: string, limit: number): Promise<number>;

  /** Newest first; `beforeSeq` pages back (entries with seq < beforeSeq). */
  listTransactions(walletId: string, page: { limit: number; beforeSeq?: number }): Promise<StoredTransaction[]>;

  appendAudit(event: AuditEvent): Promise<void>;
  /** Newest first; `before` is the id-ordered position of the last item seen. */
  listAudit(page: { limit: number; before?: { createdAt: string; id: string } }): Promise<AuditEvent[]>;

  /** Claims unpublished events for leaseMs so concurrent relays never take the same one. */
  claimOutbox(claim: { limit: number; leaseMs: number; owner: string }): Promise<OutboxEvent[]>;
  markOutboxPublished(ids: string[], owner: string): Promise<void>;
  /**
   * The outbox relay's round in one call: markOutboxPublished(round.published), then
   * claimOutbox, then webhooksForUsers of the claimed events' users. PostgreSQL does it in one
   * statement, MongoDB in that order; either way a failed call leaves `published` unpublished
   * (their lease runs out and they are sent again, which delivery job ids make harmless).
   */
  claimOutboxRound(round: OutboxRoundClaim): Promise<OutboxRound>;
  /** Seconds since the oldest unpublished event was written (0 when none). */
  outboxLagSeconds(): Promise<number>;
  /**
   * Calls `onCommitted` soon after outbox events were committed (PostgreSQL LISTEN/NOTIFY, a
   * MongoDB change stream), so the relay need not wait for its poll. A signal is a hint, not
   * a delivery: it carries nothing, may come late, twice, or never (a dropped connection, a
   * signal sent while reconnecting), so the caller still claims (claimOutboxRound) and keeps
   * polling as the safety net. The watch reconnects by itself with a bounded backoff and
   * signals once after every (re)connect, since events may have been committed while it was
   * away; `onInterrupted` (optional) hears of each lost connection, without the driver's
   * message. Resolves after the first connection attempt, whether it succeeded or a retry
   * was scheduled; close() (and the store's close()) ends it.
   */
  watchOutbox(onCommitted: () => void, onInterrupted?: () => void): Promise<OutboxWatch>;

  /**
   * Stores the endpoint unless its user already has `perUserMax` (default
   * WEBHOOKS_PER_USER_MAX); atomic per user, so racing registrations never pass the cap together.
   */
  createWebhook(endpoint: WebhookEndpoint, perUserMax?: number): Promise<'created' | 'limit_reached'>;
  listWebhooks(userId: string): Promise<WebhookEndpoint[]>;
  /**
   * The endpoints of any of these users (the outbox relay's one read per claimed batch), at
   * most 100 per user like listWebhooks, in no particular order. At most
   * WEBHOOK_READ_USERS_MAX user ids per call (RangeError beyond); an empty list reads nothing.
   */
  webhooksForUsers(userIds: string[]): Promise<WebhookEndpoint[]>;
  getWebhook(userId: string, id: string): Promise<WebhookEndpoint | null>;
  deleteWebhook(userId: string, id: string): Promise<boolean>;

  /**
   * Delivery bookkeeping (DESIGN §4.5: a delivery counts as done only when the database says
   * so). The relay records the (event, endpoint) pairs it is about to hand to BullMQ as
   * `pending`, due for a re-relay `horizonMs` from now on the database clock; a pair already
   * recorded, in any state, is left unchanged. At most DELIVERY_BATCH_MAX pairs (RangeError
   * beyond); horizonMs within DELIVERY_HORIZON_MIN_MS..DELIVERY_HORIZON_MAX_MS.
   */
  recordPendingDeliveries(pairs: DeliveryKey[], horizonMs: number): Promise<void>;
  /**
   * The worker's final word on one delivery job (2xx, dead-lettered, or skipped). Creates the
   * record when missing. `delivered` is final: a later `dead` or `skipped` leaves it as is.
   */
  settleDelivery(key: DeliveryKey, outcome: DeliveryOutcome): Promise<void>;
  /**
   * Pending deliveries whose due time passed (oldest due first), at most `limit`
   * (<= DELIVERY_BATCH_MAX), each with its outbox event. Each one returned has its due time
   * moved `horizonMs` further in the same statement, so concurrent relays take disjoint
   * sets and one relay sees a pair again only after another horizon.
   */
  claimDueDeliveries(claim: { limit: number; horizonMs: number }): Promise<DueDelivery[]>;
  /** The records of these events' deliveries, in no particular order (<= DELIVERY_READ_EVENTS_MAX ids). */
  listDeliveries(eventIds: string[]): Promise<DeliveryRecord[]>;

  /** Streams wallets in id order, a batch at a time, with their entry aggregates. */
  auditWallets(page: { afterId?: string; limit: number }): Promise<WalletAudit[]>;
  /** Transfers whose two legs do not balance (out ≠ in, or a missing leg). */
  unbalancedTransfers(limit: number): Promise<Array<{ transferId: string; detail: string }>>;
  countTransfers(): Promise<number>;
  /** Entries whose reversedAmount is not the sum of their reversals (or exceeds their amount). */
  unbalancedReversals(limit: number): Promise<ReversalAudit[]>;
  saveReconciliationReport(report: ReconciliationReport): Promise<void>;
  latestReconciliationReport(): Promise<ReconciliationReport | null>;
}
