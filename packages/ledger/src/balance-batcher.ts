import { invariant } from './errors.js';
import { withConflictRetry, type RetryObserver, type RetryPolicy } from './retry.js';
import type { LedgerStore } from './store.js';
import type { BalanceCommand, WriteOutcome } from './types.js';

/** How credits and debits on one hot wallet are grouped (LedgerServiceOptions.batch). */
export interface BalanceBatchOptions {
  /** Most commands in one batch (BALANCE_BATCH_MAX); 1 turns batching off. Default 64. */
  maxSize: number;
  /**
   * Longest a request waits for the wallet's in-flight call before its batch is sent anyway,
   * to queue behind it on the row lock (BALANCE_BATCH_WAIT_MS). Default 2 ms.
   */
  maxWaitMs: number;
}

export const BALANCE_BATCH_DEFAULTS: BalanceBatchOptions = { maxSize: 64, maxWaitMs: 2 };

/**
 * Calls in flight per wallet at most: one holding the wallet (its row lock or its version) and
 * one queued right behind it. A third could only wait for the same lock, holding a connection.
 */
const IN_FLIGHT_PER_WALLET_MAX = 2;

export interface BatchObserver extends RetryObserver {
  /** Commands in each call to the store: 1 for the single path, more for a batch. */
  onBalanceBatch?(size: number): void;
}

interface Member {
  command: BalanceCommand;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

/** One wallet's queue: the calls in flight for it and the commands waiting for a batch. */
interface Lane {
  inFlight: number;
  pending: Member[];
  timer: NodeJS.Timeout | null;
}

/**
 * Groups concurrent credits and debits of one wallet made in this process. A wallet with
 * nothing in flight gets its command sent at once, alone, through applyBalanceChange (the
 * one-statement fast path; no extra wait). While a call is in flight, later commands queue
 * in arrival order; when it settles, up to maxSize of them go as ONE applyBalanceBatch (judged
 * in that order under the wallet's lock), the rest wait for the next. If the call is still
 * running when the oldest waiting command has waited maxWaitMs, the batch is sent anyway and
 * queues behind it on the row lock (at most IN_FLIGHT_PER_WALLET_MAX calls per wallet). Every
 * call is retried on VersionConflict with the ledger's retry policy; any other failure fails
 * every command of that call. Each command keeps its own context and gets its own outcome.
 */
export class BalanceBatcher {
  readonly #lanes = new Map<string, Lane>();
  readonly #store: LedgerStore;
  readonly #options: BalanceBatchOptions;
  readonly #retry: RetryPolicy;
  readonly #observer: BatchObserver;

  constructor(store: LedgerStore, options: BalanceBatchOptions, retry: RetryPolicy, observer: BatchObserver = {}) {
    if (!Number.isSafeInteger(options.maxSize) || options.maxSize < 1)
      throw new RangeError('batch maxSize must be an integer of at least 1');
    if (!Number.isSafeInteger(options.maxWaitMs) || options.maxWaitMs < 0)
      throw new RangeError('batch maxWaitMs must be an integer of at least 0');
    this.#store = store;
    this.#options = options;
    this.#retry = retry;
    this.#observer = observer;
  }

  /** The command's outcome, from a call of its own or from a batch; rejects as the store call did. */
  submit(command: BalanceCommand): Promise<WriteOutcome> {
    let lane = this.#lanes.get(command.walletId);
    if (!lane) {
      lane = { inFlight: 0, pending: [], timer: null };
      this.#lanes.set(command.walletId, lane);
    }
    const queued = lane;
    return new Promise<WriteOutcome>((resolve, reject) => {
      queued.pending.push({ command, resolve, reject });
      this.#schedule(command.walletId, queued);
    });
  }

  /** Sends the pending commands now (wallet idle), or arms the wait bound while a call is in flight. */
  #schedule(walletId: string, lane: Lane): void {
    if (lane.pending.length === 0) {
      if (lane.inFlight === 0) this.#lanes.delete(walletId);
      return;
    }
    if (lane.inFlight === 0) return this.#dispatch(walletId, lane);
    if (lane.timer !== null || lane.inFlight >= IN_FLIGHT_PER_WALLET_MAX) return;
    lane.timer = setTimeout(() => {
      lane.timer = null;
      if (lane.pending.length > 0 && lane.inFlight < IN_FLIGHT_PER_WALLET_MAX) this.#dispatch(walletId, lane);
    }, this.#options.maxWaitMs);
  }

  #dispatch(walletId: string, lane: Lane): void {
    if (lane.timer !== null) {
      clearTimeout(lane.timer);
      lane.timer = null;
    }
    const members = lane.pending.splice(0, this.#options.maxSize);
    lane.inFlight++;
    this.#observer.onBalanceBatch?.(members.length);
    this.#call(members.map((member) => member.command))
      .then(
        (outcomes) => members.forEach((member, index) => member.resolve(outcomes[index]!)),
        (error: unknown) => members.forEach((member) => member.reject(error)),
      )
      .finally(() => {
        lane.inFlight--;
        this.#schedule(walletId, lane);
      });
  }

  async #call(commands: BalanceCommand[]): Promise<WriteOutcome[]> {
    const [first] = commands;
    if (commands.length === 1)
      return [await withConflictRetry(this.#retry, () => this.#store.applyBalanceChange(first!), this.#observer)];
    const outcomes = await withConflictRetry(
      this.#retry,
      () => this.#store.applyBalanceBatch(commands),
      this.#observer,
    );
    invariant(outcomes.length === commands.length, 'applyBalanceBatch answered the wrong number of outcomes');
    return outcomes;
  }
}
