import type { Test } from 'tap';
import type { ContractTarget } from './harness.js';
import { raceCases } from './race-cases.js';
import { propertyCases } from './property-cases.js';
import { idempotencyCases } from './idempotency-cases.js';
import { rulesCases } from './rules-cases.js';
import { historyCases } from './history-cases.js';
import { outboxCases } from './outbox-cases.js';
import { reconciliationCases } from './reconciliation-cases.js';

export type { ContractTarget } from './harness.js';

/**
 * The store contract suite: every LedgerStore adapter runs it against a real database.
 * Writes go through the real LedgerService (the only path money takes); the outbox, audit,
 * webhook and reconciliation methods, which the service does not reach, are called on the
 * port directly. Each case gets a fresh store from `target.create()`.
 */
export function storeContract(t: Test, target: ContractTarget): void {
  t.test(`${target.name}: store contract`, async (t) => {
    raceCases(t, target);
    propertyCases(t, target);
    idempotencyCases(t, target);
    rulesCases(t, target);
    historyCases(t, target);
    outboxCases(t, target);
    reconciliationCases(t, target);
  });
}
