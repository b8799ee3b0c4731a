import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { LedgerError, type ErrorCode } from '@wallet/ledger';

/**
 * Hands a refused write to the ledger's one audit of refusals (LedgerService.auditRefusal),
 * for refusals raised before the ledger ran (schema validation, a missing or invalid
 * Idempotency-Key, an oversized or malformed body, in flight). A refusal the ledger raised
 * is marked `audited` and not written again; which codes are audited is the ledger's rule.
 */
export type RefusalAudit = (request: FastifyRequest, error: unknown, code: ErrorCode) => Promise<void>;

export default fp(
  async function auditPlugin(app) {
    const audit: RefusalAudit = async (request, error, code) => {
      const action = request.routeOptions.config.auditAction;
      if (!action || !request.caller || (error instanceof LedgerError && error.audited)) return;
      if (!(await app.ledger.auditRefusal(request.caller, action, code, request.body))) {
        // Auditing a refusal must not turn a 400 into a 500; a dead database is reported by readiness.
        request.log.warn({ outcome: code }, 'could not write the audit line of a refused write');
      }
    };
    app.decorate('auditRefusal', audit);
  },
  { name: 'audit', dependencies: ['ledger'] },
);
