import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '@wallet/config';
import { ledgerOptionsFrom } from '@wallet/stores';
import { LedgerService, type LedgerStore } from '@wallet/ledger';
import { errorSummary } from '../error-summary.js';
import type { WorkerMetrics } from '../metrics.js';
import { RoundLoop } from '../round-loop.js';

/** One sweep a second keeps the release of an expired hold well inside DESIGN.md's 10 s. */
export const HOLD_SWEEP_INTERVAL_MS = 1000;
/** Holds released per store call: one short transaction each, so row locks are held briefly. */
export const HOLD_SWEEP_BATCH_SIZE = 100;
/** Store calls per round at most (10 000 holds), so a backlog cannot starve the stop signal. */
export const HOLD_SWEEP_BATCHES_MAX = 100;
/** After a failed round (database down) wait this long before the next, at most. */
const FAILURE_BACKOFF_MAX_MS = 5000;

/** What the sweep calls: LedgerService.expireHolds, which releases up to `limit` expired holds and counts them. */
export interface HoldExpirySource {
  expireHolds(options: { limit: number }): Promise<number>;
}

export interface HoldExpiryOptions {
  source: HoldExpirySource;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Pause between rounds; default HOLD_SWEEP_INTERVAL_MS (1000 ms). */
  intervalMs?: number;
  /** Holds per store call; default HOLD_SWEEP_BATCH_SIZE (100). */
  batchSize?: number;
}

/**
 * Releases expired holds: a loop in every worker process, not a BullMQ job, so holds expire
 * on time with Redis down (DESIGN.md §1: Redis is never needed for correctness). Several
 * workers may sweep at once: the store takes each hold with `FOR UPDATE SKIP LOCKED` (or a
 * guarded per-hold update on MongoDB) and writes the `hold.expired` outbox event in the
 * same transaction, so a hold is released, and announced, exactly once.
 */
export class HoldExpirySweeper extends RoundLoop {
  readonly #source: HoldExpirySource;
  readonly #metrics: WorkerMetrics;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #batchSize: number;

  constructor(options: HoldExpiryOptions) {
    super();
    this.#source = options.source;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? HOLD_SWEEP_INTERVAL_MS;
    this.#batchSize = options.batchSize ?? HOLD_SWEEP_BATCH_SIZE;
  }

  /** One round: batches until one comes back short (or the round's bound); returns the holds released. */
  async sweepOnce(): Promise<number> {
    let released = 0;
    for (let batch = 0; batch < HOLD_SWEEP_BATCHES_MAX && !this.stopRequested; batch++) {
      const count = await this.#source.expireHolds({ limit: this.#batchSize });
      released += count;
      this.#metrics.holdsExpired.inc(count);
      if (count < this.#batchSize) break;
    }
    return released;
  }

  /** A sweep round; always followed by the pause (sweepOnce already drains up to its bound). */
  protected async round(): Promise<boolean> {
    const released = await this.sweepOnce();
    if (released > 0) this.#logger.info({ released }, 'expired holds released');
    return false;
  }

  protected roundFailed(error: unknown): void {
    this.#metrics.holdSweepFailures.inc();
    this.#logger.warn({ error: errorSummary(error) }, 'hold expiry sweep failed; will retry');
  }

  /** The interval, or a doubling pause after consecutive failures, capped. */
  protected pauseMs(): number {
    return this.failureBackoffMs(this.#intervalMs, FAILURE_BACKOFF_MAX_MS);
  }
}

/**
 * The worker's sweeper: its writes go through the one ledger core (LedgerService), like the
 * API's, so the release, its audit row and its hold.expired event follow the same path.
 */
export function createHoldExpirySweeper(
  store: LedgerStore,
  config: Config,
  dependencies: { metrics: WorkerMetrics; logger: Logger },
): HoldExpirySweeper {
  // The worker never signs a cursor; a per-process random key keeps the option honest.
  const ledger = new LedgerService(store, ledgerOptionsFrom(config, { cursorSecret: randomBytes(32) }));
  return new HoldExpirySweeper({ source: ledger, ...dependencies });
}
