import type { LedgerStore, ReconciliationReport } from '@wallet/ledger';

/** The worker's reconciliation reports, read-only for the API. */
export class ReconciliationService {
  readonly #store: LedgerStore;

  constructor(store: LedgerStore) {
    this.#store = store;
  }

  /** The latest report; null before the first run. */
  latest(): Promise<ReconciliationReport | null> {
    return this.#store.latestReconciliationReport();
  }
}
