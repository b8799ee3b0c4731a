import { sleep } from '@wallet/async';

/**
 * A background loop of rounds (the outbox relay, the delivery re-relay): started once, each
 * round run to its end, stopped between rounds or during a pause. Subclasses say what a round is.
 */
export abstract class RoundLoop {
  #stopping = new AbortController();
  #loop: Promise<void> | undefined;
  #consecutiveFailures = 0;

  /** One round; resolves true when it was full (more work is probably waiting: go again at once). */
  protected abstract round(): Promise<boolean>;
  /** A round threw: count and log it; the loop pauses and goes on. */
  protected abstract roundFailed(error: unknown): void;
  /** The pause before the next round after one that was not full (or failed). */
  protected abstract pauseMs(): number;

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

  /** Stops after the current round; resolves once no round is running. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(): Promise<void> {
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      let full = false;
      try {
        full = await this.round();
        this.#consecutiveFailures = 0;
      } catch (error) {
        this.#consecutiveFailures += 1;
        this.roundFailed(error);
      }
      if (full) continue;
      await sleep(this.pauseMs(), signal);
    }
  }
}
