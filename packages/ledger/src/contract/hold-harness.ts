import type { LedgerService, WriteResult } from '../ledger-service.js';
import type { CaptureResult, HoldResult, ReversalResult } from '../types.js';
import { callerOf, dataOf, newKey } from './service-calls.js';

/** Places a hold with a fresh key and returns its reply data; throws on a refusal. */
export async function placeHold(
  service: LedgerService,
  userId: string,
  walletId: string,
  amount: number,
  expiresInSeconds?: number,
): Promise<HoldResult> {
  const input = expiresInSeconds === undefined ? { walletId, amount } : { walletId, amount, expiresInSeconds };
  const result = await service.createHold(callerOf(userId), input, { idempotencyKey: newKey() });
  if (result.statusCode !== 201) throw new Error(`hold answered ${result.statusCode}: ${JSON.stringify(result.body)}`);
  return dataOf<HoldResult>(result);
}

export function capture(
  service: LedgerService,
  userId: string,
  holdId: string,
  input: { amount?: number; toWalletId?: string } = {},
  key = newKey(),
): Promise<WriteResult> {
  return service.captureHold(callerOf(userId), holdId, input, { idempotencyKey: key });
}

export function voidHold(service: LedgerService, userId: string, holdId: string, key = newKey()): Promise<WriteResult> {
  return service.voidHold(callerOf(userId), holdId, {}, { idempotencyKey: key });
}

export function reverse(
  service: LedgerService,
  userId: string,
  transactionId: string,
  amount?: number,
  key = newKey(),
): Promise<WriteResult> {
  return service.reverseTransaction(callerOf(userId), transactionId, amount === undefined ? {} : { amount }, {
    idempotencyKey: key,
  });
}

export const captureOf = (result: WriteResult): CaptureResult => dataOf<CaptureResult>(result);
export const reversalOf = (result: WriteResult): ReversalResult => dataOf<ReversalResult>(result);

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
