import type { FastifyInstance } from 'fastify';
import type { ErrorCode, Operation } from '@wallet/ledger';
import { writeRateLimit } from '../plugins/external/rate-limit.js';

/** What every keyed write (money movement, hold, reversal) may answer besides its success; routes add their own. */
export const KEYED_WRITE_PROBLEMS: readonly ErrorCode[] = [
  'validation_failed',
  'idempotency_key_required',
  'idempotency_key_invalid',
  'concurrent_modification',
  'idempotency_key_in_flight',
  'payload_too_large',
  'idempotency_key_reused',
];

/** What every money movement (credit, debit, transfer) may answer besides 200; routes add their own. */
export const MONEY_WRITE_PROBLEMS: readonly ErrorCode[] = [
  ...KEYED_WRITE_PROBLEMS,
  'wallet_not_found',
  'insufficient_funds',
  'version_mismatch',
];

/**
 * The route config of a money movement: an Idempotency-Key is required, the write is audited
 * (and fingerprinted) as `auditAction`, and it counts against the write rate limit.
 */
export function moneyWriteConfig(app: FastifyInstance, auditAction: Operation) {
  return {
    idempotency: 'required' as const,
    auditAction,
    rateLimit: writeRateLimit(app.config.RATE_LIMIT_WRITE_MAX, app.config.RATE_LIMIT_WINDOW_MS),
  };
}
