// Goal: reconciliation checks the hold and reversal invariants (DESIGN.md §4.9): heldBalance = sum of the active holds,
// 0 <= heldBalance <= balance, reversedAmount = sum of the reversals. Method: an honest ledger with holds, captures,
// voids and reversals written through LedgerService on PostgreSQL is clean; each invariant tampered directly in the
// database is then reported with its kind.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { DATABASE_URL, callerOf, ledgerFor, newSchema, newWallet, writerStore } from './helper.js';
import { runReconciliation, walletMismatches } from '../src/reconcile.js';

const dataOf = (result: { body: unknown }) => (result.body as { data: Record<string, any> }).data; // eslint-disable-line @typescript-eslint/no-explicit-any

t.test('holds and reversals: clean when honest, each tampered invariant reported', async (t) => {
  const schema = newSchema(t);
  const store = await writerStore(t, schema);
  const ledger = ledgerFor(store);
  const alice = `alice-${randomUUID()}`;
  const bob = `bob-${randomUUID()}`;
  const caller = callerOf(alice);
  const wallet = await newWallet(ledger, alice);
  const other = await newWallet(ledger, bob);
  const credit = dataOf(await ledger.credit(caller, { walletId: wallet, amount: 1000 }, { idempotencyKey: 'c' }));
  const kept = dataOf(await ledger.createHold(caller, { walletId: wallet, amount: 200 }, { idempotencyKey: 'h1' }));
  const captured = dataOf(await ledger.createHold(caller, { walletId: wallet, amount: 300 }, { idempotencyKey: 'h2' }));
  await ledger.captureHold(caller, captured.hold.id, { amount: 250, toWalletId: other }, { idempotencyKey: 'cap' });
  const voided = dataOf(await ledger.createHold(caller, { walletId: wallet, amount: 50 }, { idempotencyKey: 'h3' }));
  await ledger.voidHold(caller, voided.hold.id, {}, { idempotencyKey: 'void' });
  await ledger.reverseTransaction(caller, credit.transaction.id, { amount: 100 }, { idempotencyKey: 'rev' });
  t.match(await ledger.getWallet(alice, wallet), { balance: 650, heldBalance: kept.hold.amount });

  const clean = await runReconciliation(store, { pageSize: 1 });
  t.equal(clean.mismatchCount, 0, `honest ledger: ${JSON.stringify(clean.report.mismatches)}`);

  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  t.teardown(() => client.end());
  await client.query(`UPDATE ${schema}.wallets SET held_balance = held_balance - 1 WHERE id = $1`, [wallet]);
  await client.query(`UPDATE ${schema}.ledger_entries SET reversed_amount = reversed_amount + 1 WHERE id = $1`, [
    credit.transaction.id,
  ]);
  const tampered = await runReconciliation(store, { pageSize: 1 });
  const found = tampered.report.mismatches.map((mismatch) => [
    mismatch.kind,
    mismatch.walletId ?? mismatch.transactionId,
  ]);
  t.same(found.sort(), [
    ['held_mismatch', wallet],
    ['reversal_mismatch', credit.transaction.id],
  ]);
  const reversal = tampered.report.mismatches.find((mismatch) => mismatch.kind === 'reversal_mismatch');
  t.match(reversal?.detail, /reversedAmount 101 of 1000, reversals sum to 100/);
  t.match(tampered.report.mismatches[0]?.detail, /heldBalance 199 but active holds sum to 200/);
});

t.test('a heldBalance above the balance (the CHECK dropped, a bad restore) is its own kind', async (t) => {
  const audit = { walletId: randomUUID(), balance: 3, version: 1, entrySum: 3, entryCount: 1, lastBalanceAfter: 3 };
  t.same(
    walletMismatches({ ...audit, heldBalance: 5, activeHoldSum: 5 }).map((mismatch) => mismatch.kind),
    ['held_out_of_range'],
  );
  t.same(walletMismatches({ ...audit, heldBalance: 3, activeHoldSum: 3 }), [], 'all of it held is fine');
});
