import { randomUUID } from 'node:crypto';
import { type Minor, CURRENCY_PATTERN, BALANCE_MAX_MINOR, assertAmount, minor } from './money.js';
import { ERRORS, LedgerError, StoreUnavailable, invariant, type ErrorCode } from './errors.js';
import { withConflictRetry, type RetryObserver, type RetryPolicy } from './retry.js';
import { requestFingerprint } from './fingerprint.js';
import { auditEventFor, publicEntry, publicHold } from './shapes.js';
import { CursorCodec } from './cursor.js';
import {
  BALANCE_BATCH_DEFAULTS,
  BalanceBatcher,
  type BalanceBatchOptions,
  type BatchObserver,
} from './balance-batcher.js';
import { WalletListCursor } from './wallet-list-cursor.js';
import type { LedgerStore } from './store.js';
import type {
  BalanceCommand,
  Hold,
  HoldStatus,
  IdempotencyRecord,
  StoredHold,
  Metadata,
  Operation,
  StoredBody,
  StoredTransaction,
  Transaction,
  Wallet,
  WriteContext,
  WriteOutcome,
} from './types.js';

export interface LedgerServiceOptions {
  /** Largest single amount in minor units. Default 100_000_000_000. */
  maxAmountMinor: number;
  retry: RetryPolicy;
  /** How long an idempotency record is kept. Default 86_400 s. */
  idempotencyTtlSeconds: number;
  /** Secret the history cursors are signed with. */
  cursorSecret: string | Buffer;
  observer?: LedgerObserver;
  clock?: () => Date;
  /** A hold's lifetime when the request names none. Default 604_800 s (7 days). */
  holdDefaultTtlSeconds?: number;
  /** Longest expiresInSeconds a hold may ask for. Default 2_592_000 s (30 days). */
  holdMaxTtlSeconds?: number;
  /**
   * Concurrent credits and debits of one wallet go to the store together (balance-batcher.ts).
   * Default BALANCE_BATCH_DEFAULTS (64 commands, 2 ms); maxSize 1 sends each alone.
   */
  batch?: BalanceBatchOptions;
}

export const HOLD_DEFAULT_TTL_SECONDS = 604_800;
export const HOLD_MAX_TTL_SECONDS = 2_592_000;
/** Most holds one expiry sweep call releases: one bounded batch. */
export const EXPIRE_BATCH_MAX = 1000;
/** Holds listed per page at most, like history. */
export const HOLD_PAGE_MAX = 100;

/** Hooks for metrics; all optional, none may throw. */
export interface LedgerObserver extends RetryObserver, BatchObserver {
  onOutcome?(operation: Operation, outcome: string): void;
}

/** Who is asking: the authenticated user, the request id and the client address. */
export interface Caller {
  userId: string;
  requestId: string;
  ip: string;
}

/** A write's answer: the stored status and body, and whether it is a replay. */
export interface WriteResult {
  statusCode: number;
  body: StoredBody;
  replayed: boolean;
  /** The request id that produced the body (the original one on a replay). */
  requestId: string;
}

/** Input as a client sent it: `amount` is checked (assertAmount) before it becomes Minor. */
export interface BalanceInput {
  walletId: string;
  amount: number;
  metadata?: Metadata;
}

export interface TransferInput {
  fromWalletId: string;
  toWalletId: string;
  amount: number;
  metadata?: Metadata;
}

export interface HoldInput {
  walletId: string;
  amount: number;
  /** 1..holdMaxTtlSeconds; default holdDefaultTtlSeconds. */
  expiresInSeconds?: number;
  metadata?: Metadata;
}

export interface CaptureInput {
  /** Default: the whole hold; less releases the rest. */
  amount?: number;
  /** Any wallet of the same currency; it receives a capture_in entry. */
  toWalletId?: string;
  metadata?: Metadata;
}

export interface ReverseInput {
  /** Default: all that is left to reverse. */
  amount?: number;
  metadata?: Metadata;
}

export interface HoldPage {
  items: Hold[];
  nextCursor: string | null;
}

export interface WriteOptions {
  /** Required for money movement, optional for wallet creation. */
  idempotencyKey?: string;
  /** Client compare-and-swap (If-Match). */
  expectedVersion?: number;
  /**
   * requestFingerprint(operation, input, expectedVersion), when the caller already computed it
   * (the API does, for its Redis fast path); computed here otherwise. One value per request.
   */
  fingerprint?: string;
}

export interface HistoryPage {
  items: Transaction[];
  nextCursor: string | null;
}

/** Largest page of a user's wallets, and the default (DESIGN.md §3: `limit` 1–100, default 100). */
export const WALLET_PAGE_MAX = 100;

export interface WalletPage {
  items: Wallet[];
  nextCursor: string | null;
}

const UUID_PATTERN = /^[0-9a-fA-F-]{36}$/;

/**
 * The ledger core: the one place money moves. It validates, fingerprints the request,
 * asks the store to commit the change with its idempotency record, outbox and audit
 * events in one transaction, retries lost version races with backoff, and turns the
 * store's outcome into a result or a typed error.
 */
export class LedgerService {
  readonly #store: LedgerStore;
  readonly #options: LedgerServiceOptions;
  readonly #cursors: CursorCodec;
  readonly #holdCursors: CursorCodec;
  readonly #walletCursors: WalletListCursor;
  readonly #clock: () => Date;
  readonly #batcher: BalanceBatcher | null;

  constructor(store: LedgerStore, options: LedgerServiceOptions) {
    this.#store = store;
    const batch = options.batch ?? BALANCE_BATCH_DEFAULTS;
    this.#batcher = batch.maxSize > 1 ? new BalanceBatcher(store, batch, options.retry, options.observer) : null;
    this.#options = options;
    this.#cursors = new CursorCodec(options.cursorSecret);
    this.#holdCursors = new CursorCodec(options.cursorSecret, 'holds');
    this.#walletCursors = new WalletListCursor(options.cursorSecret);
    this.#clock = options.clock ?? (() => new Date());
  }

  get store(): LedgerStore {
    return this.#store;
  }

  createWallet(caller: Caller, input: { currency: string }, options: WriteOptions = {}): Promise<WriteResult> {
    return this.#audited(caller, 'wallet.create', input, () => {
      if (!CURRENCY_PATTERN.test(input.currency))
        throw new LedgerError('validation_failed', 'currency must be 3 capital letters');
      return this.#write(caller, 'wallet.create', input, options, (context) =>
        this.#store.createWallet({ ...context, walletId: randomUUID(), currency: input.currency }),
      );
    });
  }

  credit(caller: Caller, input: BalanceInput, options: WriteOptions): Promise<WriteResult> {
    return this.#audited(caller, 'wallet.credit', input, () => this.#balanceChange('credit', caller, input, options));
  }

  debit(caller: Caller, input: BalanceInput, options: WriteOptions): Promise<WriteResult> {
    return this.#audited(caller, 'wallet.debit', input, () => this.#balanceChange('debit', caller, input, options));
  }

  transfer(caller: Caller, input: TransferInput, options: WriteOptions): Promise<WriteResult> {
    return this.#audited(caller, 'transfer.create', input, () => this.#transfer(caller, input, options));
  }

  /**
   * The one place a refused write is audited: the ledger's own refusals (marked `audited`),
   * and, called by the API's error handler, those raised before the ledger (validation, a
   * missing or invalid key, payload too large, 415, in flight). 429 and 5xx are not audited:
   * a flood or an outage must not turn into audit writes. Only well-formed values of the
   * (untrusted) request are recorded. Never throws; false when the line could not be written.
   */
  async auditRefusal(caller: Caller, action: string, code: ErrorCode, request: unknown): Promise<boolean> {
    if (code === 'rate_limited' || ERRORS[code].status >= 500) return true;
    const fields = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const walletId = fields.walletId ?? fields.fromWalletId;
    const amount = fields.amount;
    const context = { ...caller, now: this.#clock().toISOString() };
    try {
      await this.#store.appendAudit(
        auditEventFor(context, action, code, {
          id: randomUUID(),
          walletId: typeof walletId === 'string' && UUID_PATTERN.test(walletId) ? walletId : null,
          amount: typeof amount === 'number' && Number.isSafeInteger(amount) ? minor(amount) : null,
        }),
      );
      return true;
    } catch {
      // The database is the audit store; when it is down the request fails with 503 anyway.
      return false;
    }
  }

  async #audited<T>(caller: Caller, operation: Operation, input: object, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof LedgerError && !error.audited) {
        error.audited = true;
        await this.auditRefusal(caller, operation, error.code, input);
      }
      throw error;
    }
  }

  async #transfer(caller: Caller, input: TransferInput, options: WriteOptions): Promise<WriteResult> {
    assertAmount(input.amount, this.#options.maxAmountMinor);
    if (input.fromWalletId === input.toWalletId)
      throw new LedgerError('same_wallet', 'source and destination must differ');
    const metadata = sortedMetadata(input.metadata);
    const request = { fromWalletId: input.fromWalletId, toWalletId: input.toWalletId, amount: input.amount, metadata };
    return this.#write(caller, 'transfer.create', request, this.#requireKey(options), (context) =>
      this.#store.transfer({
        ...context,
        ...request,
        expectedVersion: options.expectedVersion,
        transferId: randomUUID(),
        debitId: randomUUID(),
        creditId: randomUUID(),
        maxBalance: BALANCE_MAX_MINOR,
      }),
    );
  }

  async getWallet(userId: string, walletId: string): Promise<Wallet> {
    const wallet = await this.#store.getWallet(userId, walletId);
    if (!wallet) throw new LedgerError('wallet_not_found', 'no such wallet');
    assertWallet(wallet);
    return wallet;
  }

  /** The caller's wallets, oldest first, a page at a time; a cursor page never repeats or skips one. */
  async listWallets(userId: string, page: { limit?: number; cursor?: string } = {}): Promise<WalletPage> {
    const limit = page.limit ?? WALLET_PAGE_MAX;
    invariant(Number.isSafeInteger(limit) && limit >= 1 && limit <= WALLET_PAGE_MAX, 'wallet page limit out of range');
    const after = page.cursor === undefined ? undefined : this.#walletCursors.decode(userId, page.cursor);
    const wallets = await this.#store.listWallets(userId, { limit: limit + 1, after });
    wallets.forEach(assertWallet);
    const items = wallets.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = wallets.length > limit && last ? this.#walletCursors.encode(userId, last) : null;
    return { items, nextCursor };
  }

  /**
   * Resolves a history request to the wallet (ownership checked, version read) and the
   * position to read before. Split from readHistory so a cache can sit between the two.
   */
  async resolveHistory(
    userId: string,
    walletId: string,
    cursor?: string,
  ): Promise<{ wallet: Wallet; beforeSeq?: number }> {
    const position = cursor === undefined ? undefined : this.#cursors.decode(cursor, { userId, walletId });
    const wallet = await this.getWallet(userId, walletId);
    return position ? { wallet, beforeSeq: position.seq } : { wallet };
  }

  async readHistory(userId: string, walletId: string, limit: number, beforeSeq?: number): Promise<HistoryPage> {
    invariant(Number.isSafeInteger(limit) && limit >= 1 && limit <= 100, 'history limit out of range');
    const rows = await this.#store.listTransactions(walletId, { limit: limit + 1, beforeSeq });
    rows.forEach(assertEntry);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor = rows.length > limit && last ? this.#cursors.encode({ userId, walletId, seq: last.seq }) : null;
    return { items: items.map(publicEntry), nextCursor };
  }

  /** Reserves part of the available balance: 201 {hold, wallet}, or a remembered insufficient_funds. */
  createHold(caller: Caller, input: HoldInput, options: WriteOptions): Promise<WriteResult> {
    return this.#audited(caller, 'hold.create', input, () => this.#createHold(caller, input, options));
  }

  /** Captures a hold once (all of it, or less and the rest is released), optionally into another wallet. */
  captureHold(caller: Caller, holdId: string, input: CaptureInput, options: WriteOptions): Promise<WriteResult> {
    return this.#audited(caller, 'hold.capture', input, () => this.#captureHold(caller, holdId, input, options));
  }

  /** Releases an active hold: 200 {hold, wallet}. */
  voidHold(
    caller: Caller,
    holdId: string,
    input: { metadata?: Metadata },
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.#audited(caller, 'hold.void', input, () => this.#voidHold(caller, holdId, input, options));
  }

  /** Gives back part or all of an entry, as reversal entries on both sides: 200 {reversal, original, wallet}. */
  reverseTransaction(
    caller: Caller,
    transactionId: string,
    input: ReverseInput,
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.#audited(caller, 'transaction.reverse', input, () =>
      this.#reverseTransaction(caller, transactionId, input, options),
    );
  }

  async #createHold(caller: Caller, input: HoldInput, options: WriteOptions): Promise<WriteResult> {
    const amount = input.amount;
    assertAmount(amount, this.#options.maxAmountMinor);
    const ttlSeconds = this.#holdTtlSeconds(input.expiresInSeconds);
    const metadata = sortedMetadata(input.metadata);
    const request = {
      walletId: input.walletId,
      amount: input.amount,
      expiresInSeconds: input.expiresInSeconds,
      metadata,
    };
    return this.#write(caller, 'hold.create', request, this.#requireKey(options), (context) =>
      this.#store.createHold({
        ...context,
        holdId: randomUUID(),
        walletId: input.walletId,
        amount,
        metadata,
        ttlSeconds,
        eventId: randomUUID(),
      }),
    );
  }

  async #captureHold(caller: Caller, holdId: string, input: CaptureInput, options: WriteOptions) {
    if (!UUID_PATTERN.test(holdId)) throw new LedgerError('hold_not_found', 'no such hold');
    if (input.toWalletId !== undefined && !UUID_PATTERN.test(input.toWalletId))
      throw new LedgerError('wallet_not_found', 'no such destination wallet');
    const amount = input.amount;
    if (amount !== undefined) assertAmount(amount, this.#options.maxAmountMinor);
    const metadata = sortedMetadata(input.metadata);
    const request = { holdId, amount, toWalletId: input.toWalletId, metadata };
    return this.#write(caller, 'hold.capture', request, this.#requireKey(options), (context) =>
      this.#store.captureHold({
        ...context,
        holdId,
        amount: amount as Minor | undefined,
        toWalletId: input.toWalletId,
        metadata,
        transactionId: randomUUID(),
        creditId: randomUUID(),
        maxBalance: BALANCE_MAX_MINOR,
      }),
    );
  }

  async #voidHold(caller: Caller, holdId: string, input: { metadata?: Metadata }, options: WriteOptions) {
    if (!UUID_PATTERN.test(holdId)) throw new LedgerError('hold_not_found', 'no such hold');
    const metadata = sortedMetadata(input.metadata);
    return this.#write(caller, 'hold.void', { holdId, metadata }, this.#requireKey(options), (context) =>
      this.#store.voidHold({ ...context, holdId, metadata, eventId: randomUUID() }),
    );
  }

  async #reverseTransaction(caller: Caller, transactionId: string, input: ReverseInput, options: WriteOptions) {
    if (!UUID_PATTERN.test(transactionId)) throw new LedgerError('transaction_not_found', 'no such transaction');
    const amount = input.amount;
    if (amount !== undefined) assertAmount(amount, this.#options.maxAmountMinor);
    const metadata = sortedMetadata(input.metadata);
    const request = { transactionId, amount, metadata };
    return this.#write(caller, 'transaction.reverse', request, this.#requireKey(options), (context) =>
      this.#store.reverseTransaction({
        ...context,
        originalId: transactionId,
        amount: amount as Minor | undefined,
        metadata,
        reversalId: randomUUID(),
        counterpartId: randomUUID(),
        maxBalance: BALANCE_MAX_MINOR,
      }),
    );
  }

  async getHold(userId: string, holdId: string): Promise<Hold> {
    if (!UUID_PATTERN.test(holdId)) throw new LedgerError('hold_not_found', 'no such hold');
    const hold = await this.#store.getHold(holdId);
    if (!hold || hold.userId !== userId) throw new LedgerError('hold_not_found', 'no such hold');
    assertHold(hold);
    return publicHold(hold);
  }

  /** The holds of one of the caller's wallets, newest first, cursor paged. */
  async listHolds(
    userId: string,
    query: { walletId: string; status?: HoldStatus; limit: number; cursor?: string },
  ): Promise<HoldPage> {
    const { walletId, limit } = query;
    invariant(Number.isSafeInteger(limit) && limit >= 1 && limit <= HOLD_PAGE_MAX, 'holds limit out of range');
    const position =
      query.cursor === undefined ? undefined : this.#holdCursors.decode(query.cursor, { userId, walletId });
    await this.getWallet(userId, walletId);
    const rows = await this.#store.listHolds(walletId, {
      status: query.status,
      limit: limit + 1,
      beforeSeq: position?.seq,
    });
    rows.forEach(assertHold);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > limit && last ? this.#holdCursors.encode({ userId, walletId, seq: last.seq }) : null;
    return { items: items.map(publicHold), nextCursor };
  }

  /** One sweep batch: releases active holds past expiresAt (the database's clock); returns how many. */
  async expireHolds(options: { limit: number }): Promise<number> {
    invariant(
      Number.isSafeInteger(options.limit) && options.limit >= 1 && options.limit <= EXPIRE_BATCH_MAX,
      'expire limit out of range',
    );
    const released = await this.#store.expireHolds({
      limit: options.limit,
      now: this.#clock().toISOString(),
      requestId: `sweep_${randomUUID()}`,
    });
    released.forEach((hold) => invariant(hold.status === 'expired', `hold ${hold.id} was not expired`));
    return released.length;
  }

  /** The stored outcome of a key, for a caller that lost its reply (Redis down, crash). */
  findIdempotencyRecord(userId: string, key: string): Promise<IdempotencyRecord | null> {
    return this.#store.findIdempotencyRecord(userId, key);
  }

  async #balanceChange(
    kind: 'credit' | 'debit',
    caller: Caller,
    input: BalanceInput,
    options: WriteOptions,
  ): Promise<WriteResult> {
    assertAmount(input.amount, this.#options.maxAmountMinor);
    const metadata = sortedMetadata(input.metadata);
    const request = { walletId: input.walletId, amount: input.amount, metadata };
    const batcher = this.#batcher;
    const commandOf = (context: WriteContext): BalanceCommand => ({
      ...context,
      ...request,
      amount: input.amount as Minor,
      kind,
      expectedVersion: options.expectedVersion,
      transactionId: randomUUID(),
      maxBalance: BALANCE_MAX_MINOR,
    });
    const attempt = batcher
      ? (context: WriteContext) => batcher.submit(commandOf(context))
      : (context: WriteContext) => this.#store.applyBalanceChange(commandOf(context));
    // The batcher retries each store call itself (a batch is retried as a whole): no retry around it.
    const retry = batcher ? null : this.#options.retry;
    return this.#write(caller, `wallet.${kind}`, request, this.#requireKey(options), attempt, retry);
  }

  #holdTtlSeconds(expiresInSeconds: number | undefined): number {
    const maxSeconds = this.#options.holdMaxTtlSeconds ?? HOLD_MAX_TTL_SECONDS;
    if (expiresInSeconds === undefined) return this.#options.holdDefaultTtlSeconds ?? HOLD_DEFAULT_TTL_SECONDS;
    if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > maxSeconds)
      throw new LedgerError('validation_failed', `expiresInSeconds must be an integer from 1 to ${maxSeconds}`);
    return expiresInSeconds;
  }

  #requireKey(options: WriteOptions): WriteOptions {
    if (!options.idempotencyKey) throw new LedgerError('idempotency_key_required', 'send an Idempotency-Key header');
    return options;
  }

  async #write(
    caller: Caller,
    operation: Operation,
    request: object,
    options: WriteOptions,
    attempt: (context: WriteContext) => Promise<WriteOutcome>,
    /** The retry policy around `attempt`; null when `attempt` retries on its own (the batcher). */
    retry: RetryPolicy | null = this.#options.retry,
  ): Promise<WriteResult> {
    const now = this.#clock();
    const key = options.idempotencyKey;
    const fingerprint =
      key === undefined ? '' : (options.fingerprint ?? requestFingerprint(operation, request, options.expectedVersion));
    const context: WriteContext = {
      userId: caller.userId,
      requestId: caller.requestId,
      ip: caller.ip,
      now: now.toISOString(),
      idempotency:
        key === undefined
          ? undefined
          : {
              key,
              fingerprint,
              expiresAt: new Date(now.getTime() + this.#options.idempotencyTtlSeconds * 1000).toISOString(),
            },
    };
    const observer = this.#options.observer ?? {};
    let outcome: WriteOutcome;
    try {
      outcome = retry ? await withConflictRetry(retry, () => attempt(context), observer) : await attempt(context);
    } catch (error) {
      const code: ErrorCode =
        error instanceof LedgerError
          ? error.code
          : error instanceof StoreUnavailable
            ? 'service_unavailable'
            : 'internal_error';
      observer.onOutcome?.(operation, code);
      throw error;
    }
    return this.#resolve(operation, context, outcome);
  }

  #resolve(operation: Operation, context: WriteContext, outcome: WriteOutcome): WriteResult {
    const observer = this.#options.observer ?? {};
    switch (outcome.kind) {
      case 'stored': {
        const code = 'error' in outcome.body ? outcome.body.error.code : 'ok';
        observer.onOutcome?.(operation, code);
        return { statusCode: outcome.statusCode, body: outcome.body, replayed: false, requestId: context.requestId };
      }
      case 'existing': {
        const record = outcome.record;
        if (record.fingerprint !== context.idempotency?.fingerprint || record.operation !== operation) {
          observer.onOutcome?.(operation, 'idempotency_key_reused');
          throw new LedgerError('idempotency_key_reused', 'this Idempotency-Key was used with a different request');
        }
        observer.onOutcome?.(operation, 'replayed');
        return { statusCode: record.statusCode, body: record.body, replayed: true, requestId: record.requestId };
      }
      case 'refused': {
        observer.onOutcome?.(operation, outcome.code);
        throw new LedgerError(outcome.code, outcome.detail);
      }
    }
  }
}

/** Checks a wallet read from a store: the invariants hold on this side of the port too. */
export function assertWallet(wallet: Wallet): void {
  invariant(Number.isSafeInteger(wallet.balance) && wallet.balance >= 0, `wallet ${wallet.id} has an invalid balance`);
  invariant(
    Number.isSafeInteger(wallet.heldBalance) &&
      wallet.heldBalance >= 0 &&
      wallet.heldBalance <= wallet.balance &&
      wallet.availableBalance === wallet.balance - wallet.heldBalance,
    `wallet ${wallet.id} has an invalid held balance`,
  );
  invariant(Number.isSafeInteger(wallet.version) && wallet.version >= 0, `wallet ${wallet.id} has an invalid version`);
}

/** Signed effect of an entry on its wallet; a reversal's sign is the opposite of what it reverses. */
export function entryDelta(entry: Pick<Transaction, 'type' | 'amount' | 'balanceBefore' | 'balanceAfter'>): number {
  switch (entry.type) {
    case 'credit':
    case 'transfer_in':
    case 'capture_in':
      return entry.amount;
    case 'reversal':
      return entry.balanceAfter > entry.balanceBefore ? entry.amount : -entry.amount;
    default:
      return -entry.amount;
  }
}

function assertEntry(entry: StoredTransaction): void {
  invariant(
    entry.amount > 0 && entry.balanceAfter === entry.balanceBefore + entryDelta(entry),
    `entry ${entry.id} does not add up`,
  );
  invariant(entry.reversedAmount >= 0 && entry.reversedAmount <= entry.amount, `entry ${entry.id} over-reversed`);
}

function assertHold(hold: StoredHold): void {
  invariant(Number.isSafeInteger(hold.amount) && hold.amount > 0, `hold ${hold.id} has an invalid amount`);
  invariant(
    hold.capturedAmount >= 0 &&
      hold.capturedAmount <= hold.amount &&
      (hold.status === 'captured') === hold.capturedAmount > 0,
    `hold ${hold.id} has an invalid captured amount`,
  );
}

/** Metadata with keys in sorted order: stores and replays then render it byte for byte alike. */
export function sortedMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(metadata ?? {}).sort()) sorted[key] = metadata![key]!;
  return sorted;
}
