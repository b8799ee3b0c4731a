import type { Job } from 'bullmq';
import type { LedgerStore } from '@wallet/ledger';
import { JOB_NAMES } from '@wallet/queue';
import type { Logger } from 'pino';
import { runReconciliation } from '../reconcile.js';
import type { WorkerMetrics } from '../metrics.js';

/** Expired idempotency records deleted per statement, and statements per run: bounded work. */
export const PURGE_BATCH_SIZE = 1000;
export const PURGE_BATCHES_MAX = 50;

export interface MaintenanceDependencies {
  store: LedgerStore;
  metrics: WorkerMetrics;
  logger: Logger;
  clock?: () => Date;
}

/** Processor of the maintenance queue: reconciliation and the idempotency purge. */
export function createMaintenanceProcessor(dependencies: MaintenanceDependencies) {
  const { store, metrics, logger } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  return async (job: Job): Promise<Record<string, number>> => {
    if (job.name === JOB_NAMES.reconcile) {
      const { report, mismatchCount } = await runReconciliation(store, {
        clock,
        onMismatch: (mismatch) => logger.error({ mismatch }, 'reconciliation mismatch'),
      });
      metrics.reconciliationMismatches.set(mismatchCount);
      metrics.reconciliationWallets.set(report.walletsChecked);
      metrics.reconciliationLastRun.set(Date.parse(report.finishedAt) / 1000);
      logger.info(
        {
          reportId: report.id,
          wallets: report.walletsChecked,
          transfers: report.transfersChecked,
          mismatches: mismatchCount,
        },
        'reconciliation finished',
      );
      return { walletsChecked: report.walletsChecked, mismatches: mismatchCount };
    }
    if (job.name === JOB_NAMES.purgeIdempotency) {
      const purged = await purgeExpiredIdempotency(store, clock().toISOString());
      metrics.idempotencyPurged.inc(purged);
      return { purged };
    }
    throw new Error(`unknown maintenance job ${job.name}`);
  };
}

/** Deletes expired records in batches until a batch comes back short, at most PURGE_BATCHES_MAX. */
export async function purgeExpiredIdempotency(store: LedgerStore, now: string): Promise<number> {
  let purged = 0;
  for (let batch = 0; batch < PURGE_BATCHES_MAX; batch++) {
    const deleted = await store.purgeExpiredIdempotency(now, PURGE_BATCH_SIZE);
    purged += deleted;
    if (deleted < PURGE_BATCH_SIZE) break;
  }
  return purged;
}
