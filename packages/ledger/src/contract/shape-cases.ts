import type { Test } from 'tap';
import {
  auditEventFor,
  balanceReply,
  outboxEventFor,
  refusalReply,
  transferReply,
  walletCreatedReply,
} from '../shapes.js';
import type { AuditEvent, Operation, StoredTransaction, Wallet } from '../types.js';
import type { Caller } from '../ledger-service.js';
import { storeCases, type ContractTarget } from './harness.js';
import { callerOf, newUser } from './service-calls.js';
import { allEntries, checkReplyAndRecord, keyedWriter } from './ledger-checks.js';

/**
 * Field by field (no field more, none less, same values and types): what a store wrote — and,
 * for PostgreSQL's one-statement credit, built in SQL — is what the ledger's one definition
 * builds from the same facts. (Key order is the response schema's business, not the store's.)
 */
function sameShape(t: Test, actual: unknown, expected: unknown, what: string): void {
  t.strictSame(actual, expected, `${what}: every field as the ledger defines it`);
}

/** The one definition of each shape (shapes.ts) against what each store writes and answers. */
export function shapeCases(t: Test, target: ContractTarget): void {
  const storeCase = storeCases(t, target);
  storeCase(
    'shapes: reply bodies, records, outbox payloads and audit rows match the ledger definitions',
    async ({ store, service }, t) => {
      const caller = callerOf(newUser());
      const write = keyedWriter(caller);

      const created = await write('wallet.create', { currency: 'USD' }, (key) =>
        service.createWallet(caller, { currency: 'USD' }, { idempotencyKey: key }),
      );
      const opened = await service.getWallet(caller.userId, (created.result.body as { data: Wallet }).data.id);
      await checkReplyAndRecord(t, store, created, walletCreatedReply(opened));

      const creditInput = { walletId: opened.id, amount: 1500, metadata: { b: '2', a: '1' } };
      const credited = await write('wallet.credit', creditInput, (key) =>
        service.credit(caller, creditInput, { idempotencyKey: key }),
      );
      const afterCredit = await service.getWallet(caller.userId, opened.id);
      const [creditEntry] = (await allEntries(store, opened.id)).map(publicEntry);
      await checkReplyAndRecord(t, store, credited, balanceReply(afterCredit, creditEntry!));

      const other = await service.createWallet(callerOf(newUser()), { currency: 'USD' });
      const to = (other.body as { data: Wallet }).data;
      const transferInput = { fromWalletId: opened.id, toWalletId: to.id, amount: 400 };
      const moved = await write('transfer.create', transferInput, (key) =>
        service.transfer(caller, transferInput, { idempotencyKey: key }),
      );
      const [debitLeg] = (await allEntries(store, opened.id)).map(publicEntry);
      const [creditLeg] = (await allEntries(store, to.id)).map(publicEntry);
      const transferId = debitLeg!.transferId!;
      await checkReplyAndRecord(t, store, moved, transferReply(transferId, debitLeg!, creditLeg!));

      const refusedInput = { walletId: opened.id, amount: 1_000_000 };
      const refused = await write('wallet.debit', refusedInput, (key) =>
        service.debit(caller, refusedInput, { idempotencyKey: key }),
      );
      const detail = 'error' in refused.result.body ? refused.result.body.error.detail : '';
      await checkReplyAndRecord(t, store, refused, refusalReply('insufficient_funds', detail));

      const events = await store.claimOutbox({ limit: 1000, leaseMs: 60_000, owner: 'shape-cases' });
      // Compared as sets: entries of one transfer share their time, so claim order may differ.
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      sameShape(
        t,
        events.sort(byId),
        [outboxEventFor(creditEntry!, opened), outboxEventFor(debitLeg!, opened), outboxEventFor(creditLeg!, to)].sort(
          byId,
        ),
        'outbox payloads',
      );

      // One row per action; requests in the same millisecond list in id order, so match by action.
      const audit = (await store.listAudit({ limit: 100 })).filter((row) => row.actor === caller.userId);
      audit.sort((a, b) => (a.action < b.action ? -1 : 1));
      const rows: Array<[Operation, string, string | null, number | null]> = [
        ['wallet.create', 'ok', opened.id, null],
        ['wallet.credit', 'ok', opened.id, 1500],
        ['transfer.create', 'ok', opened.id, 400],
        ['wallet.debit', 'insufficient_funds', opened.id, 1_000_000],
      ];
      const expected = rows.sort(([a], [b]) => (a < b ? -1 : 1));
      sameShape(
        t,
        audit,
        expected.map(([action, outcome, walletId, amount], index) =>
          auditRow(audit[index], caller, action, outcome, walletId, amount),
        ),
        'audit rows',
      );
    },
  );
}

function auditRow(
  row: AuditEvent | undefined,
  caller: Caller,
  action: Operation,
  outcome: string,
  walletId: string | null,
  amount: number | null,
): AuditEvent {
  // Id and time are the store's; everything else is the ledger's definition of the row.
  return auditEventFor({ ...caller, now: row?.createdAt ?? '' }, action, outcome, {
    id: row?.id ?? '',
    walletId,
    amount: amount as AuditEvent['amount'],
  });
}

function publicEntry(entry: StoredTransaction) {
  const { seq: _seq, ...transaction } = entry;
  return transaction;
}
