// The reconnect loop both adapters' outbox watches share (LISTEN in PostgreSQL, a change stream
// in MongoDB): open a subscription, signal, and when it drops open it again after a bounded,
// doubling pause, until closed. The adapter supplies only how to open one subscription.
import type { OutboxWatch } from './store.js';

/** One open subscription of an adapter: it calls `lost` (once or more) when it stops delivering. */
export interface WatchSubscription {
  close(): Promise<void>;
}

/** The caller's side of LedgerStore.watchOutbox. */
export interface WatchCallbacks {
  onCommitted(): void;
  onInterrupted?: () => void;
}

/** Opens one subscription; resolves once it delivers signals. May throw (connection refused). */
export type OpenSubscription = (signal: () => void, lost: () => void) => Promise<WatchSubscription>;

export interface ReconnectingWatchOptions extends WatchCallbacks {
  open: OpenSubscription;
  /** First pause before reopening after a failure. Default 100 ms. */
  reconnectBaseMs?: number;
  /** Longest pause between attempts. Default 5000 ms (the relay's own failure pause cap). */
  reconnectMaxMs?: number;
}

/** A lost connection is usually back within a few hundred ms (a restart, a failover). */
const RECONNECT_BASE_MS = 100;
const RECONNECT_MAX_MS = 5000;

/**
 * Keeps one subscription open and signals `onCommitted` after every (re)open (events may
 * have been committed while it was away). Never throws after start: a failed open or a lost
 * subscription schedules the next attempt. Attempts in a row are paced 100, 200, 400 ... ms,
 * at most 5 s, with up to 20 % jitter so many workers do not reconnect in step.
 */
export class ReconnectingWatch implements OutboxWatch {
  readonly #options: ReconnectingWatchOptions;
  #current: WatchSubscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #generation = 0;
  #closed = false;

  constructor(options: ReconnectingWatchOptions) {
    this.#options = options;
  }

  /** The first attempt; resolves when it succeeded or the next one is scheduled. */
  async start(): Promise<this> {
    await this.#attempt();
    return this;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const current = this.#current;
    this.#current = undefined;
    await current?.close().catch(() => undefined);
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    // Signals and losses of an older subscription are ignored: only the current one counts.
    const signal = (): void => {
      if (generation === this.#generation && !this.#closed) this.#options.onCommitted();
    };
    const lost = (): void => {
      if (generation === this.#generation) this.#lose();
    };
    try {
      const subscription = await this.#options.open(signal, lost);
      if (this.#closed || generation !== this.#generation) {
        await subscription.close().catch(() => undefined);
        return;
      }
      this.#current = subscription;
      this.#failures = 0;
      this.#options.onCommitted();
    } catch {
      if (generation === this.#generation) this.#schedule();
    }
  }

  #lose(): void {
    if (this.#closed) return;
    const current = this.#current;
    this.#current = undefined;
    this.#generation += 1; // The lost subscription's later signals and losses no longer count.
    void current?.close().catch(() => undefined);
    this.#options.onInterrupted?.();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    const baseMs = this.#options.reconnectBaseMs ?? RECONNECT_BASE_MS;
    const maxMs = this.#options.reconnectMaxMs ?? RECONNECT_MAX_MS;
    const pauseMs = Math.min(maxMs, baseMs * 2 ** Math.min(this.#failures, 16));
    this.#failures += 1;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#attempt(), Math.round(pauseMs * (1 - Math.random() * 0.2)));
    this.#timer.unref();
  }
}

/** An adapter's watchOutbox: its `open`, kept open by a ReconnectingWatch; resolves after the first attempt. */
export function startWatch(open: OpenSubscription, callbacks: WatchCallbacks): Promise<OutboxWatch> {
  return new ReconnectingWatch({
    open,
    onCommitted: callbacks.onCommitted,
    onInterrupted: callbacks.onInterrupted,
  }).start();
}

/** The watches a store opened, so its close() can end those still open (adapters own their connections). */
export class OpenWatches {
  readonly #open = new Set<OutboxWatch>();

  /** Starts a watch over the adapter's `open` (startWatch) and tracks it until it is closed. */
  async start(open: OpenSubscription, callbacks: WatchCallbacks): Promise<OutboxWatch> {
    return this.track(await startWatch(open, callbacks));
  }

  /** Tracks `watch` until it is closed; the returned handle closes and forgets it. */
  track(watch: OutboxWatch): OutboxWatch {
    this.#open.add(watch);
    return {
      close: async () => {
        this.#open.delete(watch);
        await watch.close();
      },
    };
  }

  async closeAll(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    await Promise.all(open.map((watch) => watch.close()));
  }
}
