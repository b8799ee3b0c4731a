// The calls the contract cases make through the service: fresh users, keys and callers, the
// writes every case repeats, and readers of what a call answered.
import { randomUUID } from 'node:crypto';
import { LedgerError, type ErrorCode } from '../errors.js';
import type { Caller, LedgerService, WriteResult } from '../ledger-service.js';
import type { BalanceResult, TransferResult, Wallet, WebhookEndpoint } from '../types.js';

export const newUser = (): string => `user_${randomUUID()}`;
export const newKey = (): string => `key_${randomUUID()}`;

/** An endpoint of `userId` subscribed to `events` (none: every type), for createWebhook. */
export const newEndpoint = (userId: string, events: WebhookEndpoint['events']): WebhookEndpoint => ({
  id: randomUUID(),
  userId,
  url: `https://example.test/hooks/${randomUUID()}`,
  events,
  secret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
  createdAt: new Date().toISOString(),
});

export function callerOf(userId: string): Caller {
  return { userId, requestId: `req_${randomUUID()}`, ip: '127.0.0.1' };
}

export function dataOf<T>(result: WriteResult): T {
  if (!('data' in result.body)) throw new Error(`expected data, got ${JSON.stringify(result.body)}`);
  return result.body.data as T;
}

/** The code of a remembered refusal answered as a stored body; null for a success. */
export function refusalCodeOf(result: WriteResult): string | null {
  return 'error' in result.body ? result.body.error.code : null;
}

/** Awaits a call that must throw a LedgerError and returns its code; anything else fails. */
export async function thrownCode(promise: Promise<unknown>): Promise<ErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
  throw new Error('expected a LedgerError, the call succeeded');
}

export async function openWallet(service: LedgerService, userId: string, currency = 'USD'): Promise<Wallet> {
  const result = await service.createWallet(callerOf(userId), { currency });
  if (result.statusCode !== 201) throw new Error(`wallet creation answered ${result.statusCode}`);
  return dataOf<Wallet>(result);
}

export async function credit(
  service: LedgerService,
  userId: string,
  walletId: string,
  amount: number,
): Promise<BalanceResult> {
  const result = await service.credit(callerOf(userId), { walletId, amount }, { idempotencyKey: newKey() });
  return dataOf<BalanceResult>(result);
}

export async function transfer(
  service: LedgerService,
  userId: string,
  fromWalletId: string,
  toWalletId: string,
  amount: number,
): Promise<TransferResult> {
  const result = await service.transfer(
    callerOf(userId),
    { fromWalletId, toWalletId, amount },
    { idempotencyKey: newKey() },
  );
  return dataOf<TransferResult>(result);
}

/** A wallet opened for a fresh user and credited with `amount` (when above 0). */
export async function fundedWallet(
  service: LedgerService,
  amount: number,
  currency = 'USD',
): Promise<{ userId: string; wallet: Wallet }> {
  const userId = newUser();
  const wallet = await openWallet(service, userId, currency);
  if (amount > 0) await credit(service, userId, wallet.id, amount);
  return { userId, wallet: await service.getWallet(userId, wallet.id) };
}
