// The contract suite's stores: the target an adapter supplies, the fixture a case gets, and the
// registrar that hands each case a shared store or a fresh one.
import type { Test } from 'tap';
import { AMOUNT_MAX_MINOR_DEFAULT } from '../money.js';
import { LedgerService, type LedgerServiceOptions } from '../ledger-service.js';
import type { LedgerStore } from '../store.js';

/** One store implementation under test: how to make a fresh one, drop it, and corrupt it. */
export interface ContractTarget {
  name: string;
  /** A fresh, ready store (own schema / database). */
  create(): Promise<LedgerStore>;
  /** Close + drop. */
  destroy(store: LedgerStore): Promise<void>;
  /** Direct DB write, for reconciliation tests. */
  tamperBalance(store: LedgerStore, walletId: string, balance: number): Promise<void>;
  /** Direct DB write of heldBalance (within [0, balance], which the database enforces). */
  tamperHeld(store: LedgerStore, walletId: string, heldBalance: number): Promise<void>;
  /** Direct DB write of an entry's reversedAmount (within [0, amount]). */
  tamperReversed(store: LedgerStore, entryId: string, reversedAmount: number): Promise<void>;
}

export interface Fixture {
  store: LedgerStore;
  service: LedgerService;
  target: ContractTarget;
}

/**
 * Generous on purpose: the race cases must end in a business outcome, not in 409
 * concurrent_modification, even for a read-then-CAS store with ten writers on one wallet.
 */
export const CONTRACT_RETRY = { attempts: 40, backoffMs: 2, backoffMaxMs: 40 } as const;

export function newService(store: LedgerStore, overrides: Partial<LedgerServiceOptions> = {}): LedgerService {
  return new LedgerService(store, {
    maxAmountMinor: AMOUNT_MAX_MINOR_DEFAULT,
    retry: CONTRACT_RETRY,
    idempotencyTtlSeconds: 86_400,
    cursorSecret: 'contract-suite-cursor-secret',
    ...overrides,
  });
}

/**
 * Where a case gets its store: a fresh one from the target (cases that read store-wide
 * state: outbox, audit, reconciliation), or one shared by cases that only touch their own
 * fresh users and wallets, which saves a schema migration per case.
 */
export type StoreSource = ContractTarget | { shared: Fixture };

/** Registers a subtest on the source's store; a fresh store is destroyed when the subtest ends. */
export function withStore(
  t: Test,
  source: StoreSource,
  name: string,
  body: (fixture: Fixture, t: Test) => Promise<void>,
): void {
  t.test(name, async (t) => {
    if ('shared' in source) return body(source.shared, t);
    const store = await source.create();
    t.teardown(() => source.destroy(store));
    await body({ store, service: newService(store), target: source }, t);
  });
}

/** One suite's case registrar: `storeCase(name, body)` is `withStore(t, source, name, body)`. */
export function storeCases(
  t: Test,
  source: StoreSource,
): (name: string, body: (fixture: Fixture, t: Test) => Promise<void>) => void {
  return (name, body) => withStore(t, source, name, body);
}
