// For store adapters (and their tests): the shared money rules and the one definition of each
// shape a write leaves behind. Not part of the service API.
export * from './rules.js';
export * from './shapes.js';
export { canonicalJson } from './fingerprint.js';
export { sortedMetadata } from './ledger-service.js';
export { conflictBackoffMs } from './retry.js';
export * from './hold-rules.js';
export { createdWallet } from './created-wallet.js';
export { BookkeepingStore, type DeliveryQueriesPart, type ReconciliationQueriesPart } from './bookkeeping-store.js';
export * from './balance-batch.js';
export {
  OpenWatches,
  ReconnectingWatch,
  startWatch,
  type OpenSubscription,
  type ReconnectingWatchOptions,
  type WatchCallbacks,
  type WatchSubscription,
} from './reconnecting-watch.js';
