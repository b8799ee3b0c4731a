import { setTimeout as sleep } from 'node:timers/promises';
import { LedgerError, VersionConflict } from './errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included (LEDGER_RETRY_ATTEMPTS). Default 5. */
  attempts: number;
  /** Backoff base; retry n waits a random time in [0, backoffMs * 2^n) (LEDGER_RETRY_BASE_MS). Default 5 ms. */
  backoffMs: number;
  /** Cap on one wait, so a long run of conflicts stays bounded. Default 200 ms. */
  backoffMaxMs?: number;
}

export interface RetryObserver {
  onConflict?(): void;
  onRetry?(attempt: number, delayMs: number): void;
  onExhausted?(): void;
}

/** Full-jitter exponential backoff (the AWS architecture blog's "full jitter"). */
export function conflictBackoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(policy.backoffMaxMs ?? 200, policy.backoffMs * 2 ** attempt);
  return Math.floor(random() * ceilingMs);
}

/**
 * Runs `operation` until it stops throwing VersionConflict, at most `attempts` times;
 * then answers 409 concurrent_modification. Other errors pass through untouched.
 */
export async function withConflictRetry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  observer: RetryObserver = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      observer.onConflict?.();
      if (attempt + 1 >= policy.attempts) {
        observer.onExhausted?.();
        throw new LedgerError('concurrent_modification', 'the wallet changed concurrently; retry the request', {
          retryAfterSeconds: 1,
        });
      }
      const delayMs = conflictBackoffMs(policy, attempt);
      observer.onRetry?.(attempt + 1, delayMs);
      if (delayMs > 0) await sleep(delayMs);
    }
  }
}
