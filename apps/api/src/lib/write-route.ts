import type { FastifyInstance } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { ErrorCode, Operation } from '@wallet/ledger';
import { writeRateLimit } from '../plugins/external/rate-limit.js';
import { problems } from '../schemas/common.js';
import { HoldWriteHeaders } from '../schemas/hold.js';
import { absentBodyAsEmptyObject } from './keyed-write.js';

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

/** What a keyed write on an existing resource (capture, void, reverse) declares. */
export interface ResourceWriteSpec<Params extends TSchema, Body extends TSchema, Result extends TSchema> {
  auditAction: Operation;
  tags: string[];
  summary: string;
  params: Params;
  body: Body;
  /** The 200 reply. */
  result: Result;
  /** What the route may answer besides KEYED_WRITE_PROBLEMS. */
  problems: ErrorCode[];
}

/**
 * The route options of a keyed write on an existing resource: an absent body counts as `{}`,
 * the Idempotency-Key is required (no If-Match), and it answers 200 or one of its problems.
 */
export function resourceWriteOptions<Params extends TSchema, Body extends TSchema, Result extends TSchema>(
  app: FastifyInstance,
  spec: ResourceWriteSpec<Params, Body, Result>,
) {
  return {
    preValidation: absentBodyAsEmptyObject,
    config: moneyWriteConfig(app, spec.auditAction),
    schema: {
      tags: spec.tags,
      summary: spec.summary,
      headers: HoldWriteHeaders,
      params: spec.params,
      body: spec.body,
      response: { 200: spec.result, ...problems(...KEYED_WRITE_PROBLEMS, ...spec.problems) },
    },
  };
}
