// What the holds and reversals tests share: keyed writes and reads over app.inject, and the
// signed sum of a wallet's entries to check its balance against.
import { randomUUID } from 'node:crypto';
import type { build } from './helper.js';

type Harness = Awaited<ReturnType<typeof build>>;
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Limits high enough for the tests' bursts, and retries enough for their races. */
export const MONEY_TEST_ENV = { RATE_LIMIT_WRITE_MAX: '10000', RATE_LIMIT_MAX: '10000', LEDGER_RETRY_ATTEMPTS: '20' };

/** A POST as `sub` under a fresh Idempotency-Key (or `key`; null sends none), and two reads. */
export function moneyClient(harness: Harness) {
  const { app, auth } = harness;
  const write = (sub: string, url: string, payload: object, key: string | null = randomUUID()) =>
    app.inject({ method: 'POST', url, headers: auth(sub, key === null ? {} : { 'idempotency-key': key }), payload });
  return {
    write,
    wallet: async (sub: string, id: string): Promise<Json> =>
      (await app.inject({ method: 'GET', url: `/api/wallets/${id}`, headers: auth(sub) })).json().data,
    entries: async (sub: string, id: string): Promise<Json[]> =>
      (
        await app.inject({ method: 'GET', url: `/api/transactions?walletId=${id}&limit=100`, headers: auth(sub) })
      ).json().data,
  };
}

const INCOMING = new Set(['credit', 'transfer_in', 'capture_in']);

/** The signed sum of a wallet's entries; a reversal's sign is read from its own before/after. */
export function entrySum(entries: Json[]): number {
  return entries.reduce((sum, e) => {
    if (e.type === 'reversal') return sum + (e.balanceAfter - e.balanceBefore);
    return sum + (INCOMING.has(e.type) ? e.amount : -e.amount);
  }, 0);
}
