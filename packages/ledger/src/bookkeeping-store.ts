// The delivery and reconciliation halves of the LedgerStore port are the same delegation in
// every adapter: each call goes to the adapter's delivery or reconciliation queries (or its
// relay round), wrapped in the adapter's own error translation. An adapter extends this class
// and supplies the four parts. The port's bounds on delivery calls and relay rounds
// (RangeError) are checked here, once, for every adapter.
import {
  DELIVERY_BATCH_MAX,
  DELIVERY_READ_EVENTS_MAX,
  assertDeliveryBounds,
  type DeliveryKey,
  type DeliveryOutcome,
  type DeliveryRecord,
  type DueDelivery,
} from './deliveries.js';
import { WEBHOOK_READ_USERS_MAX, type LedgerStore, type OutboxRound, type OutboxRoundClaim } from './store.js';
import type { ReconciliationReport, ReversalAudit, WalletAudit, WebhookEndpoint } from './types.js';

/** An adapter's delivery bookkeeping, as the port's delivery methods use it (same signatures). */
export interface DeliveryQueriesPart {
  recordPending: LedgerStore['recordPendingDeliveries'];
  settle: LedgerStore['settleDelivery'];
  claimDue: LedgerStore['claimDueDeliveries'];
  list: LedgerStore['listDeliveries'];
}

/** An adapter's reconciliation reads and report storage, as the port's reconciliation methods use them. */
export interface ReconciliationQueriesPart {
  auditWallets: LedgerStore['auditWallets'];
  unbalancedTransfers: LedgerStore['unbalancedTransfers'];
  countTransfers: LedgerStore['countTransfers'];
  unbalancedReversals: LedgerStore['unbalancedReversals'];
  saveReport: LedgerStore['saveReconciliationReport'];
  latestReport: LedgerStore['latestReconciliationReport'];
}

type BookkeepingMethods =
  | 'claimOutboxRound'
  | 'webhooksForUsers'
  | 'recordPendingDeliveries'
  | 'settleDelivery'
  | 'claimDueDeliveries'
  | 'listDeliveries'
  | 'auditWallets'
  | 'unbalancedTransfers'
  | 'countTransfers'
  | 'unbalancedReversals'
  | 'saveReconciliationReport'
  | 'latestReconciliationReport';

export abstract class BookkeepingStore implements Pick<LedgerStore, BookkeepingMethods> {
  protected abstract readonly deliveryQueries: DeliveryQueriesPart;
  protected abstract readonly reconciliationQueries: ReconciliationQueriesPart;
  /** Runs one store call with the adapter's connection handling and error translation. */
  protected abstract guarded<T>(operation: () => Promise<T>): Promise<T>;
  /** The adapter's relay round (claimOutboxRound), called with its bounds already checked. */
  protected abstract outboxRound(round: OutboxRoundClaim): Promise<OutboxRound>;
  /** The adapter's read of webhooksForUsers: 1..WEBHOOK_READ_USERS_MAX distinct user ids. */
  protected abstract endpointsOfUsers(users: string[]): Promise<WebhookEndpoint[]>;

  webhooksForUsers(userIds: string[]): Promise<WebhookEndpoint[]> {
    return this.guarded(async () => {
      const users = [...new Set(userIds)];
      if (users.length > WEBHOOK_READ_USERS_MAX)
        throw new RangeError(`at most ${WEBHOOK_READ_USERS_MAX} user ids per read`);
      return users.length === 0 ? [] : this.endpointsOfUsers(users);
    });
  }

  claimOutboxRound(round: OutboxRoundClaim): Promise<OutboxRound> {
    return this.guarded(async () => {
      const { limit, published } = round;
      if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= WEBHOOK_READ_USERS_MAX)) {
        throw new RangeError(`an outbox round claims 1 to ${WEBHOOK_READ_USERS_MAX} events`);
      }
      if (published.length > WEBHOOK_READ_USERS_MAX) {
        throw new RangeError(`at most ${WEBHOOK_READ_USERS_MAX} published ids per outbox round`);
      }
      return this.outboxRound(round);
    });
  }

  recordPendingDeliveries(pairs: DeliveryKey[], horizonMs: number): Promise<void> {
    return this.guarded(async () => {
      assertDeliveryBounds({ count: pairs.length, countMax: DELIVERY_BATCH_MAX, horizonMs });
      return this.deliveryQueries.recordPending(pairs, horizonMs);
    });
  }

  settleDelivery(key: DeliveryKey, outcome: DeliveryOutcome): Promise<void> {
    return this.guarded(() => this.deliveryQueries.settle(key, outcome));
  }

  claimDueDeliveries(claim: { limit: number; horizonMs: number }): Promise<DueDelivery[]> {
    return this.guarded(async () => {
      assertDeliveryBounds({ count: claim.limit, countMax: DELIVERY_BATCH_MAX, horizonMs: claim.horizonMs });
      return this.deliveryQueries.claimDue(claim);
    });
  }

  listDeliveries(eventIds: string[]): Promise<DeliveryRecord[]> {
    return this.guarded(async () => {
      assertDeliveryBounds({ count: eventIds.length, countMax: DELIVERY_READ_EVENTS_MAX });
      return this.deliveryQueries.list(eventIds);
    });
  }

  auditWallets(page: { afterId?: string; limit: number }): Promise<WalletAudit[]> {
    return this.guarded(() => this.reconciliationQueries.auditWallets(page));
  }

  unbalancedTransfers(limit: number): Promise<Array<{ transferId: string; detail: string }>> {
    return this.guarded(() => this.reconciliationQueries.unbalancedTransfers(limit));
  }

  countTransfers(): Promise<number> {
    return this.guarded(() => this.reconciliationQueries.countTransfers());
  }

  unbalancedReversals(limit: number): Promise<ReversalAudit[]> {
    return this.guarded(() => this.reconciliationQueries.unbalancedReversals(limit));
  }

  saveReconciliationReport(report: ReconciliationReport): Promise<void> {
    return this.guarded(() => this.reconciliationQueries.saveReport(report));
  }

  latestReconciliationReport(): Promise<ReconciliationReport | null> {
    return this.guarded(() => this.reconciliationQueries.latestReport());
  }
}
