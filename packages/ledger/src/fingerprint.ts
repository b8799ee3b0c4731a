import { createHash } from 'node:crypto';
import type { Operation } from './types.js';

/** JSON with object keys sorted at every depth, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The request fields each operation is about; absent metadata is the empty map. */
const FINGERPRINTED_FIELDS: Readonly<Record<Operation, readonly string[]>> = {
  'wallet.create': ['currency'],
  'wallet.credit': ['walletId', 'amount', 'metadata'],
  'wallet.debit': ['walletId', 'amount', 'metadata'],
  'transfer.create': ['fromWalletId', 'toWalletId', 'amount', 'metadata'],
  'hold.create': ['walletId', 'amount', 'expiresInSeconds', 'metadata'],
  // The path's id is part of the request: input is { holdId, ...body } / { transactionId, ...body }.
  'hold.capture': ['holdId', 'amount', 'toWalletId', 'metadata'],
  'hold.void': ['holdId', 'metadata'],
  'transaction.reverse': ['transactionId', 'amount', 'metadata'],
};

/**
 * The one request fingerprint (SHA-256, base64url): what makes two requests "the same" for an
 * Idempotency-Key — operation, the operation's fields of the body, and If-Match. The API
 * computes it once per request (its Redis fast path compares it) and hands it to the ledger,
 * which stores it with the record; a direct ledger caller gets the same value computed here.
 */
export function requestFingerprint(operation: Operation, input: object, expectedVersion?: number): string {
  const body = input as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const field of FINGERPRINTED_FIELDS[operation]) {
    fields[field] = field === 'metadata' ? (body.metadata ?? {}) : body[field];
  }
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(fields)}\n${expectedVersion ?? ''}`)
    .digest('base64url');
}
