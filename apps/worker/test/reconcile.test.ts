// Goal: reconciliation is clean on an honest ledger and finds a balance tampered directly in
// the database, page by page. Method: writes through LedgerService on PostgreSQL, then
// runReconciliation directly (small pages) and through the worker's scheduled job.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { DATABASE_URL, callerOf, cleanRedisPrefix, ledgerFixture, startWorker, testConfig, waitFor } from './helper.js';
import { runReconciliation, walletMismatches } from '../src/reconcile.js';
import { purgeExpiredIdempotency } from '../src/processors/maintenance.js';

t.test('clean ledger, then a tampered balance is found (direct run and scheduled job)', async (t) => {
  const { schema, store, ledger, openWallet } = await ledgerFixture(t);
  const users = [0, 1, 2, 3, 4].map((index) => `u${index}-${randomUUID()}`);
  const wallets: string[] = [];
  for (const user of users) {
    const wallet = await openWallet(user);
    wallets.push(wallet);
    await ledger.credit(callerOf(user), { walletId: wallet, amount: 1000 }, { idempotencyKey: 'c' });
  }
  await ledger.debit(callerOf(users[0]!), { walletId: wallets[0]!, amount: 300 }, { idempotencyKey: 'd' });
  await ledger.transfer(
    callerOf(users[1]!),
    { fromWalletId: wallets[1]!, toWalletId: wallets[2]!, amount: 250 },
    { idempotencyKey: 't' },
  );
  await openWallet(`empty-${randomUUID()}`); // a wallet without entries is consistent too

  const mismatches: unknown[] = [];
  const clean = await runReconciliation(store, { pageSize: 2, onMismatch: (mismatch) => mismatches.push(mismatch) });
  t.equal(clean.mismatchCount, 0, 'honest ledger: no mismatch');
  t.same(mismatches, []);
  t.equal(clean.report.walletsChecked, 6, 'every wallet checked across pages of 2');
  t.equal(clean.report.transfersChecked, 1);
  t.same(await store.latestReconciliationReport(), clean.report, 'report stored');

  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  t.teardown(() => client.end());
  await client.query(`UPDATE ${schema}.wallets SET balance = balance + 1 WHERE id = $1`, [wallets[3]]);

  const tampered = await runReconciliation(store, { pageSize: 2, onMismatch: (mismatch) => mismatches.push(mismatch) });
  t.equal(tampered.mismatchCount, 2);
  t.same(
    tampered.report.mismatches.map((mismatch) => [mismatch.kind, mismatch.walletId]).sort(),
    [
      ['balance_mismatch', wallets[3]],
      ['last_entry_mismatch', wallets[3]],
    ].sort(),
    'the tampered wallet, and only it',
  );
  t.equal(mismatches.length, 2, 'each mismatch reported to the logger hook');

  // The scheduled job: the worker runs it every second and exports the gauges.
  const config = testConfig({ RECONCILE_INTERVAL_MS: '1000' });
  cleanRedisPrefix(t, config.REDIS_PREFIX);
  const before = (await store.latestReconciliationReport())!.id;
  const worker = await startWorker(t, config, schema);
  t.ok(
    await waitFor(async () => (await store.latestReconciliationReport())?.id !== before, 10_000),
    'the scheduled job stored a new report',
  );
  const scheduled = (await store.latestReconciliationReport())!;
  t.equal(scheduled.mismatches.length, 2);
  t.equal(scheduled.walletsChecked, 6);
  const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  t.match(metrics, /^wallet_reconciliation_mismatches 2$/m);
  t.match(metrics, /^wallet_reconciliation_last_run_timestamp_seconds \d+/m);

  await client.query(`UPDATE ${schema}.wallets SET balance = balance - 1 WHERE id = $1`, [wallets[3]]);
  t.ok(
    await waitFor(async () => (await store.latestReconciliationReport())!.mismatches.length === 0, 10_000),
    'clean again once repaired',
  );
});

t.test('walletMismatches names each broken invariant', async (t) => {
  const base = {
    walletId: 'w',
    balance: 10,
    version: 2,
    entrySum: 10,
    entryCount: 2,
    lastBalanceAfter: 10,
    heldBalance: 4,
    activeHoldSum: 4,
  };
  t.same(walletMismatches(base), []);
  t.same(
    walletMismatches({
      ...base,
      entryCount: 0,
      version: 0,
      entrySum: 0,
      balance: 0,
      lastBalanceAfter: null,
      heldBalance: 0,
      activeHoldSum: 0,
    }),
    [],
  );
  t.same(
    walletMismatches({ ...base, version: 3 }).map((m) => m.kind),
    ['version_mismatch'],
  );
  t.same(
    walletMismatches({ ...base, lastBalanceAfter: 9 }).map((m) => m.kind),
    ['last_entry_mismatch'],
  );
  t.same(
    walletMismatches({ ...base, balance: -1 }).map((m) => m.kind),
    ['negative_balance', 'balance_mismatch', 'held_out_of_range', 'last_entry_mismatch'],
  );
  t.same(
    walletMismatches({ ...base, activeHoldSum: 5 }).map((m) => m.kind),
    ['held_mismatch'],
  );
  t.same(
    walletMismatches({ ...base, heldBalance: 11, activeHoldSum: 11 }).map((m) => m.kind),
    ['held_out_of_range'],
  );
});

t.test('the purge deletes expired idempotency records only', async (t) => {
  const { store, ledger, openWallet } = await ledgerFixture(t);
  const user = `p-${randomUUID()}`;
  const wallet = await openWallet(user);
  await ledger.credit(callerOf(user), { walletId: wallet, amount: 5 }, { idempotencyKey: 'keep' });
  t.equal(await purgeExpiredIdempotency(store, new Date().toISOString()), 0, 'nothing expired yet');
  t.ok(await store.findIdempotencyRecord(user, 'keep'));
  const later = new Date(Date.now() + 2 * 3600 * 1000).toISOString(); // past the 1 h TTL of ledgerFor
  t.equal(await purgeExpiredIdempotency(store, later), 1);
  t.equal(await store.findIdempotencyRecord(user, 'keep'), null);
});
