import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';

/**
 * Audit of write attempts refused before they reach the ledger (schema validation, missing
 * or invalid Idempotency-Key, oversized or malformed bodies). The ledger audits everything
 * it sees itself, so this covers only the codes it never gets to. 429s are not audited:
 * a flood would turn the limiter into a database write amplifier.
 */
export type RefusalAudit = (request: FastifyRequest, outcome: string) => Promise<void>;

/** Codes that can stop a write before LedgerService writes its own audit line. */
export const PRE_LEDGER_REFUSALS: ReadonlySet<string> = new Set([
  'validation_failed',
  'idempotency_key_required',
  'idempotency_key_invalid',
  'idempotency_key_in_flight',
  'same_wallet',
  'payload_too_large',
  'unsupported_media_type',
]);

export default fp(
  async function auditPlugin(app) {
    const audit: RefusalAudit = async (request, outcome) => {
      const action = request.routeOptions.config.auditAction;
      if (!action || !request.caller || !PRE_LEDGER_REFUSALS.has(outcome)) return;
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
        string,
        unknown
      >;
      const walletId = body.walletId ?? body.fromWalletId;
      const amount = body.amount;
      try {
        await app.store.appendAudit({
          id: randomUUID(),
          actor: request.caller.userId,
          ip: request.caller.ip,
          action,
          // Only well-formed values are recorded: the refused body itself is untrusted input.
          walletId: typeof walletId === 'string' && /^[0-9a-fA-F-]{36}$/.test(walletId) ? walletId : null,
          amount: Number.isSafeInteger(amount) ? (amount as number) : null,
          outcome,
          requestId: request.id,
          createdAt: new Date().toISOString(),
        });
      } catch {
        // Auditing a refusal must not turn a 400 into a 500; a dead database is reported by readiness.
        request.log.warn({ outcome }, 'could not write the audit line of a refused write');
      }
    };
    app.decorate('auditRefusal', audit);
  },
  { name: 'audit', dependencies: ['ledger'] },
);
