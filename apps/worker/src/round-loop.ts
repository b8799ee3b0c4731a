import { sleep } from '@wallet/async';

/** Why a pause ended: wake() was called (during the pause or the round before it), or it ran out. */
export type WakeSource = 'notify' | 'poll';

/**
 * A background loop of rounds (the outbox relay, the delivery re-relay): started once, each
 * round run to its end, stopped between rounds or during a pause. Subclasses say what a round is.
 * wake() cuts the pause short: called during a pause it ends it at once; called during a round
 * it makes the loop go again right after that round. Calls coalesce: any number of them
 * before the next round starts give one round. After a failed round the pause is kept (the
 * failure backoff is not cut short by a signal).
 */
export abstract class RoundLoop {
  #stopping = new AbortController();
  #loop: Promise<void> | undefined;
  #consecutiveFailures = 0;
  #wakeRequested = false;
  /** Aborted by wake() or stop() to end the pause in progress; a fresh one per pause. */
  #pause: AbortController | undefined;

  /** One round; resolves true when more work is probably waiting (a full batch; the relay: any event): go again now. */
  protected abstract round(): Promise<boolean>;
  /** A round threw: count and log it; the loop pauses and goes on. */
  protected abstract roundFailed(error: unknown): void;
  /** The pause before the next round after one that was not full (or failed). */
  protected abstract pauseMs(): number;

  /**
   * Least time from one round's start to the next one's (default 0). Under a steady stream of
   * wake-ups it caps the rounds per second, so each round takes what arrived meanwhile instead
   * of one event at a time: the per-round cost (several statements) is shared by more events.
   */
  protected minRoundGapMs(): number {
    return 0;
  }

  /** A pause ended (the next round starts now); the relay counts these by source. Default: nothing. */
  protected pauseEnded(_source: WakeSource): void {}

  /** Rounds that threw in a row; 0 after a round that ended normally. */
  protected get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** `baseMs` after a normal round; after failures, a doubling pause from `baseMs`, capped at `maxMs`. */
  protected failureBackoffMs(baseMs: number, maxMs: number): number {
    if (this.#consecutiveFailures === 0) return baseMs;
    return Math.min(maxMs, baseMs * 2 ** Math.min(this.#consecutiveFailures, 10));
  }

  /** True once stop() was called: a long round checks it between its steps. */
  protected get stopRequested(): boolean {
    return this.#stopping.signal.aborted;
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = new AbortController();
    this.#loop = this.#run();
  }

  /** Something to do may be waiting: run a round now, or right after the current one. */
  wake(): void {
    this.#wakeRequested = true;
    this.#pause?.abort();
  }

  /** Stops after the current round; resolves once no round is running. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#pause?.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(): Promise<void> {
    const signal = this.#stopping.signal;
    let lastStart = -Infinity;
    while (!signal.aborted) {
      const early = lastStart + this.minRoundGapMs() - performance.now();
      if (early > 0) await sleep(early, signal);
      if (signal.aborted) break;
      lastStart = performance.now();
      // A wake() from here on asks for another round after this one (it may come too late for this round's read).
      this.#wakeRequested = false;
      let full = false;
      try {
        full = await this.round();
        this.#consecutiveFailures = 0;
      } catch (error) {
        this.#consecutiveFailures += 1;
        this.roundFailed(error);
      }
      if (full || signal.aborted) continue;
      if (this.#wakeRequested && this.#consecutiveFailures === 0) {
        this.pauseEnded('notify');
        continue;
      }
      await this.#sleep(this.pauseMs());
    }
  }

  /** The pause after a round: ended early by wake() (unless the round failed) or stop(). */
  async #sleep(pauseMs: number): Promise<void> {
    const pause = new AbortController();
    this.#pause = pause;
    const failed = this.#consecutiveFailures > 0;
    if (failed) this.#wakeRequested = false;
    try {
      // After a failure only stop() ends the pause early; wake() just notes that a round is wanted.
      await sleep(pauseMs, failed ? this.#stopping.signal : pause.signal);
    } finally {
      this.#pause = undefined;
    }
    if (!this.#stopping.signal.aborted) this.pauseEnded(this.#wakeRequested && !failed ? 'notify' : 'poll');
  }
}
