// The service API and the types a caller or a store sees. Helpers that only store adapters
// need (rules, shape builders) are in `@wallet/ledger/store-kit`; the contract suite is in
// `@wallet/ledger/contract`; the opaque-cursor codec in `@wallet/ledger/opaque-cursor`.
export * from './errors.js';
export * from './money.js';
export * from './types.js';
export * from './store.js';
export { withConflictRetry, type RetryObserver, type RetryPolicy } from './retry.js';
export { requestFingerprint } from './fingerprint.js';
export {
  LedgerService,
  type BalanceInput,
  type Caller,
  type HistoryPage,
  type LedgerObserver,
  type LedgerServiceOptions,
  type TransferInput,
  type WriteOptions,
  type WriteResult,
} from './ledger-service.js';
export * from './deliveries.js';
