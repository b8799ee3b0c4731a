// The tools of the race cases: fire calls at once on a warmed-up store and count how each ended.
import { LedgerError } from '../errors.js';
import type { LedgerService, WriteResult } from '../ledger-service.js';
import { newKey, refusalCodeOf } from './service-calls.js';

/** What a concurrent call ended with: its result, or the code of the error it threw. */
export type Settled = { label: string; result?: WriteResult; error?: unknown };

/**
 * Waits for every call and labels each: 'ok', a remembered refusal's code, a thrown
 * LedgerError's code, or 'unexpected:<name>' so a failing count names what went wrong.
 */
export async function settleAll(calls: Array<Promise<WriteResult>>): Promise<Settled[]> {
  const settled = await Promise.allSettled(calls);
  return settled.map((outcome) => {
    if (outcome.status === 'fulfilled') return { label: refusalCodeOf(outcome.value) ?? 'ok', result: outcome.value };
    const error: unknown = outcome.reason;
    if (error instanceof LedgerError) return { label: error.code, error };
    return { label: `unexpected:${error instanceof Error ? error.name : typeof error}`, error };
  });
}

export function countLabels(outcomes: Settled[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome.label] = (counts[outcome.label] ?? 0) + 1;
  return counts;
}

/**
 * Opens `connections` pooled connections before a race by reading in parallel: with a
 * cold pool the first writer commits while the others are still connecting, so the race
 * would quietly run in series and a broken guard would go unnoticed.
 */
export async function warmUp(
  service: LedgerService,
  userId: string,
  walletId: string,
  connections: number,
): Promise<void> {
  await Promise.all(Array.from({ length: connections }, () => service.getWallet(userId, walletId)));
}

/** `writers` concurrent writes on one wallet, each under its own fresh key, after warming the store up for them. */
export async function raceKeyed(
  service: LedgerService,
  owner: { userId: string; walletId: string },
  writers: number,
  write: (key: string) => Promise<WriteResult>,
): Promise<{ keys: string[]; outcomes: Settled[] }> {
  await warmUp(service, owner.userId, owner.walletId, writers);
  const keys = Array.from({ length: writers }, newKey);
  return { keys, outcomes: await settleAll(keys.map((key) => write(key))) };
}
