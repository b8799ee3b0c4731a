import type { Minor, Operation, RememberedRefusal, WriteContext, WriteOutcome } from '@wallet/ledger';
import { refusalReply } from '@wallet/ledger/store-kit';
import { insertAudit, storeOutcome, type Tx } from './write-common.js';

/**
 * A final refusal: with a key it is stored (record + audit event) and replayed later;
 * without one there is nothing to remember it by, so it is answered and not written (the
 * ledger audits the refusal it answers).
 */
export async function recordRefusal(
  tx: Tx,
  context: WriteContext,
  operation: Operation,
  refusal: { code: RememberedRefusal; detail: string },
  fields: { walletId: string | null; amount: Minor | null },
): Promise<WriteOutcome> {
  if (!context.idempotency) return { kind: 'refused', code: refusal.code, detail: refusal.detail };
  const outcome = await storeOutcome(tx, context, operation, refusalReply(refusal.code, refusal.detail));
  await insertAudit(tx, context, operation, refusal.code, fields);
  return outcome;
}
