import type { Test } from 'tap';
import { newService, type ContractTarget } from './harness.js';
import { raceCases } from './race-cases.js';
import { propertyCases } from './property-cases.js';
import { idempotencyCases } from './idempotency-cases.js';
import { rulesCases } from './rules-cases.js';
import { historyCases } from './history-cases.js';
import { outboxCases } from './outbox-cases.js';
import { outboxRoundCases } from './outbox-round-cases.js';
import { reconciliationCases } from './reconciliation-cases.js';
import { holdRaceCases } from './hold-race-cases.js';
import { holdCases } from './hold-cases.js';
import { reversalCases } from './reversal-cases.js';
import { shapeCases } from './shape-cases.js';
import { holdShapeCases } from './hold-shape-cases.js';
import { listingCases } from './listing-cases.js';
import { deliveryCases } from './delivery-cases.js';
import { batchCases } from './batch-cases.js';
import { watchCases } from './watch-cases.js';

export type { ContractTarget } from './harness.js';
export { namedStores, type NamedStores } from './named-stores.js';

/**
 * The store contract suite: every LedgerStore adapter runs it against a real database.
 * Writes go through the real LedgerService (the only path money takes); the outbox, audit,
 * webhook and reconciliation methods, which the service does not reach, are called on the
 * port directly. Cases that read store-wide state get a fresh store from `target.create()`;
 * the others share one and stay apart by using fresh users and wallets.
 */
export function storeContract(t: Test, target: ContractTarget): void {
  t.test(`${target.name}: store contract`, async (t) => {
    t.test('cases confined to their own users and wallets (one shared store)', async (t) => {
      const store = await target.create();
      t.teardown(() => target.destroy(store));
      const source = { shared: { store, service: newService(store), target } };
      raceCases(t, source);
      holdRaceCases(t, source);
      holdCases(t, source);
      reversalCases(t, source);
      propertyCases(t, source);
      idempotencyCases(t, source);
      rulesCases(t, source);
      historyCases(t, source);
      listingCases(t, source);
      batchCases(t, source);
    });
    t.test('cases reading store-wide state (a fresh store each)', async (t) => {
      outboxCases(t, target);
      outboxRoundCases(t, target);
      reconciliationCases(t, target);
      shapeCases(t, target);
      holdShapeCases(t, target);
      deliveryCases(t, target);
      watchCases(t, target);
    });
  });
}
