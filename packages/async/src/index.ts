/** Thrown by withTimeout when the bound passes before the work settles. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * The one timeout helper: settles as `work` does, or rejects with TimeoutError after
 * `timeoutMs`. The work itself is not cancelled (pass it an AbortSignal of its own for that);
 * a late rejection of it is swallowed so it never becomes an unhandled rejection. The timer is
 * cleared as soon as either side settles and never keeps the process alive.
 */
export function withTimeout<T>(work: Promise<T>, timeoutMs: number, message = 'timed out'): Promise<T> {
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new RangeError('withTimeout: timeoutMs must be >= 0');
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`${message} after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** True when `work` settles successfully within `timeoutMs`; false on failure or timeout. */
export function settlesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return withTimeout(work, timeoutMs).then(
    () => true,
    () => false,
  );
}

/** Resolves after `delayMs`; an aborted signal resolves it early (never rejects). */
export function sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, delayMs);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
