import { randomUUID } from 'node:crypto';
import { CURRENCY_PATTERN, BALANCE_MAX_MINOR, assertAmount, minor } from './money.js';
import { ERRORS, LedgerError, StoreUnavailable, invariant, type ErrorCode } from './errors.js';
import { withConflictRetry, type RetryObserver, type RetryPolicy } from './retry.js';
import { requestFingerprint } from './fingerprint.js';
import { auditEventFor } from './shapes.js';
import { CursorCodec } from './cursor.js';
import { WalletListCursor } from './wallet-list-cursor.js';
import type { LedgerStore } from './store.js';
import type {
  IdempotencyRecord,
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
}

/** Hooks for metrics; all optional, none may throw. */
export interface LedgerObserver extends RetryObserver {
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
  readonly #walletCursors: WalletListCursor;
  readonly #clock: () => Date;

  constructor(store: LedgerStore, options: LedgerServiceOptions) {
    this.#store = store;
    this.#options = options;
    this.#cursors = new CursorCodec(options.cursorSecret);
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
    return this.#write(caller, `wallet.${kind}`, request, this.#requireKey(options), (context) =>
      this.#store.applyBalanceChange({
        ...context,
        ...request,
        kind,
        expectedVersion: options.expectedVersion,
        transactionId: randomUUID(),
        maxBalance: BALANCE_MAX_MINOR,
      }),
    );
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
      outcome = await withConflictRetry(this.#options.retry, () => attempt(context), observer);
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
  invariant(Number.isSafeInteger(wallet.version) && wallet.version >= 0, `wallet ${wallet.id} has an invalid version`);
}

function assertEntry(entry: StoredTransaction): void {
  const delta = entry.type === 'credit' || entry.type === 'transfer_in' ? entry.amount : -entry.amount;
  invariant(
    entry.amount > 0 && entry.balanceAfter === entry.balanceBefore + delta,
    `entry ${entry.id} does not add up`,
  );
}

function publicEntry(entry: StoredTransaction): Transaction {
  const { seq: _seq, ...transaction } = entry;
  return transaction;
}

/** Metadata with keys in sorted order: stores and replays then render it byte for byte alike. */
export function sortedMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(metadata ?? {}).sort()) sorted[key] = metadata![key]!;
  return sorted;
}
