import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { WEBHOOK_READ_USERS_MAX, type LedgerStore } from '../store.js';
import type { ReconciliationReport, WalletAudit, WebhookEndpoint } from '../types.js';
import { capture, captureOf, placeHold, reverse } from './hold-harness.js';
import { newService, storeCases, type ContractTarget } from './harness.js';
import { callerOf, credit, fundedWallet, newEndpoint, newKey, newUser, transfer } from './service-calls.js';

const idleHolds = { heldBalance: 0, activeHoldSum: 0 };

/** Reads every wallet aggregate in pages of `limit`, as the reconciliation job does; bounded. */
async function auditAll(store: LedgerStore, limit: number): Promise<WalletAudit[]> {
  const rows: WalletAudit[] = [];
  let afterId: string | undefined;
  for (let page = 0; page < 100; page++) {
    const batch = await store.auditWallets({ afterId, limit });
    rows.push(...batch);
    if (batch.length < limit) return rows;
    afterId = batch.at(-1)!.walletId;
  }
  throw new Error('auditWallets paging did not end');
}

/** Reconciliation aggregates, reports, webhook endpoints and idempotency expiry, via the port. */
export function reconciliationCases(t: Test, target: ContractTarget): void {
  const storeCase = storeCases(t, target);
  storeCase(
    'reconciliation: aggregates match the ledger, a tampered balance shows, transfers balance',
    async ({ store, service, target }, t) => {
      t.same(await store.auditWallets({ limit: 10 }), [], 'no wallets, no rows');
      t.equal(await store.countTransfers(), 0);
      const a = await fundedWallet(service, 900);
      const b = await fundedWallet(service, 100);
      const idle = await fundedWallet(service, 0);
      await transfer(service, a.userId, a.wallet.id, b.wallet.id, 300);
      await transfer(service, b.userId, b.wallet.id, a.wallet.id, 50);
      await credit(service, b.userId, b.wallet.id, 5);

      const rows = await auditAll(store, 2);
      const walletIds = [a.wallet.id, b.wallet.id, idle.wallet.id].sort();
      t.same(
        rows.map((row) => row.walletId),
        walletIds,
        'every wallet once, in id order, across pages',
      );
      const expected: Record<string, Omit<WalletAudit, 'walletId'>> = {
        [a.wallet.id]: { ...idleHolds, balance: 650, version: 3, entrySum: 650, entryCount: 3, lastBalanceAfter: 650 },
        [b.wallet.id]: { ...idleHolds, balance: 355, version: 4, entrySum: 355, entryCount: 4, lastBalanceAfter: 355 },
        [idle.wallet.id]: { ...idleHolds, balance: 0, version: 0, entrySum: 0, entryCount: 0, lastBalanceAfter: null },
      };
      for (const row of rows)
        t.same(row, { walletId: row.walletId, ...expected[row.walletId] }, `aggregate of ${row.walletId}`);
      t.same(await store.unbalancedTransfers(100), [], 'valid transfers balance');
      t.equal(await store.countTransfers(), 2);

      await target.tamperBalance(store, a.wallet.id, 651);
      const tampered = (await auditAll(store, 10)).find((row) => row.walletId === a.wallet.id);
      t.same(
        tampered,
        {
          ...idleHolds,
          walletId: a.wallet.id,
          balance: 651,
          version: 3,
          entrySum: 650,
          entryCount: 3,
          lastBalanceAfter: 650,
        },
        'the stored balance no longer matches its entries',
      );
    },
  );

  storeCase(
    'reconciliation: held = active holds and reversedAmount = reversals, and a tampered one shows',
    async ({ store, service, target }, t) => {
      const payer = await fundedWallet(service, 1000);
      const payee = await fundedWallet(service, 0);
      const kept = await placeHold(service, payer.userId, payer.wallet.id, 300);
      const { hold } = await placeHold(service, payer.userId, payer.wallet.id, 200);
      const captured = captureOf(
        await capture(service, payer.userId, hold.id, { amount: 150, toWalletId: payee.wallet.id }),
      );
      await reverse(service, payee.userId, captured.credit!.id, 40);
      const rows = await auditAll(store, 10);
      const payerRow = rows.find((row) => row.walletId === payer.wallet.id)!;
      t.match(
        payerRow,
        { balance: 890, entrySum: 890, heldBalance: 300, activeHoldSum: 300 },
        'held = the active hold',
      );
      t.match(
        rows.find((row) => row.walletId === payee.wallet.id),
        { balance: 110, heldBalance: 0, activeHoldSum: 0 },
      );
      t.same(await store.unbalancedReversals(100), [], 'both sides of the capture say 40 is back');

      await target.tamperHeld(store, payer.wallet.id, 299);
      const tampered = (await auditAll(store, 10)).find((row) => row.walletId === payer.wallet.id);
      t.match(tampered, { heldBalance: 299, activeHoldSum: 300 }, 'the stored held amount no longer matches its holds');
      await target.tamperReversed(store, captured.credit!.id, 41);
      t.same(
        await store.unbalancedReversals(100),
        [{ transactionId: captured.credit!.id, amount: 150, reversedAmount: 41, reversalSum: 40 }],
        'a reversedAmount that is not the sum of its reversals is reported',
      );
      t.ok(kept.hold.id, 'the kept hold stays active');
    },
  );

  storeCase('reconciliation: reports are saved and the latest is returned', async ({ store }, t) => {
    t.equal(await store.latestReconciliationReport(), null, 'none yet');
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    const report = (offsetMs: number, mismatches: ReconciliationReport['mismatches']): ReconciliationReport => ({
      id: randomUUID(),
      startedAt: new Date(base + offsetMs).toISOString(),
      finishedAt: new Date(base + offsetMs + 1500).toISOString(),
      walletsChecked: 3,
      transfersChecked: 2,
      mismatches,
    });
    const older = report(0, []);
    const newer = report(60_000, [
      { kind: 'balance', walletId: randomUUID(), detail: 'balance 651, entries 650' },
      { kind: 'transfer', transferId: randomUUID(), detail: 'missing leg' },
    ]);
    await store.saveReconciliationReport(older);
    await store.saveReconciliationReport(newer);
    t.same(await store.latestReconciliationReport(), newer, 'the latest report, mismatches included');
  });

  storeCase('webhooks: endpoints are created, listed, read and deleted by their owner only', async ({ store }, t) => {
    const alice = newUser();
    const bob = newUser();
    const first = newEndpoint(alice, ['wallet.credited', 'transfer.completed']);
    const second = newEndpoint(alice, []);
    const bobs = newEndpoint(bob, ['wallet.debited']);
    for (const item of [first, second, bobs]) await store.createWebhook(item, 20);

    const listed = await store.listWebhooks(alice);
    t.same(
      [...listed].sort((x, y) => (x.id < y.id ? -1 : 1)),
      [first, second].sort((x, y) => (x.id < y.id ? -1 : 1)),
      'alice sees her two endpoints as created',
    );
    t.same(await store.listWebhooks(bob), [bobs]);
    t.same(await store.getWebhook(alice, first.id), first);
    t.equal(await store.getWebhook(bob, first.id), null, "another user's endpoint is invisible");
    t.equal(await store.deleteWebhook(bob, first.id), false, 'and cannot be deleted by them');
    t.equal(await store.deleteWebhook(alice, first.id), true);
    t.equal(await store.deleteWebhook(alice, first.id), false, 'a second delete finds nothing');
    t.equal(await store.getWebhook(alice, first.id), null);
    t.same(await store.listWebhooks(alice), [second]);
  });

  storeCase('webhooks: one read returns the endpoints of several users, none of anyone else', async ({ store }, t) => {
    const [carol, dan, erin, nobody] = [newUser(), newUser(), newUser(), newUser()];
    const carols = [newEndpoint(carol, []), newEndpoint(carol, ['wallet.debited'])];
    const dans = [newEndpoint(dan, ['transfer.completed'])];
    const erins = [newEndpoint(erin, [])];
    for (const item of [...carols, ...dans, ...erins]) await store.createWebhook(item, 20);
    const byId = (items: WebhookEndpoint[]) => [...items].sort((x, y) => (x.id < y.id ? -1 : 1));

    t.same(
      byId(await store.webhooksForUsers([carol, dan, nobody, carol])),
      byId([...carols, ...dans]),
      'every endpoint of the named users, as created, once each',
    );
    t.same(await store.webhooksForUsers([nobody]), [], 'a user without endpoints has none');
    t.same(await store.webhooksForUsers([]), [], 'an empty list reads nothing');
    t.same(
      byId(await store.webhooksForUsers([erin])),
      byId(await store.listWebhooks(erin)),
      'the same endpoints listWebhooks returns',
    );
    await t.rejects(
      store.webhooksForUsers(Array.from({ length: WEBHOOK_READ_USERS_MAX + 1 }, newUser)),
      RangeError,
      'the read is bounded',
    );
    await store.deleteWebhook(carol, carols[0]!.id);
    t.same(await store.webhooksForUsers([carol]), [carols[1]], 'a deleted endpoint is gone');

    // Past the per-user cap (only a direct write gets there): capped like listWebhooks, and the other user keeps theirs.
    const crowd = Array.from({ length: 101 }, () => newEndpoint(nobody, []));
    for (const item of crowd) await store.createWebhook(item, crowd.length);
    const read = await store.webhooksForUsers([nobody, dan]);
    t.equal(read.filter((item) => item.userId === nobody).length, 100, 'at most 100 per user');
    t.same(
      byId(read.filter((item) => item.userId === nobody)),
      byId(await store.listWebhooks(nobody)),
      'the ones listWebhooks returns',
    );
    t.same(
      read.filter((item) => item.userId === dan),
      dans,
      "one user's many endpoints never crowd out another's",
    );
  });

  storeCase('idempotency records expire: purge removes only expired ones, within its limit', async ({ store }, t) => {
    const pastMs = Date.now() - 2 * 86_400_000;
    const stale = newService(store, { clock: () => new Date(pastMs), idempotencyTtlSeconds: 60 });
    const fresh = newService(store);
    const { userId, wallet } = await fundedWallet(fresh, 0);
    const staleKeys = [newKey(), newKey(), newKey()];
    for (const key of staleKeys)
      await stale.credit(callerOf(userId), { walletId: wallet.id, amount: 1 }, { idempotencyKey: key });
    const freshKey = newKey();
    await fresh.credit(callerOf(userId), { walletId: wallet.id, amount: 1 }, { idempotencyKey: freshKey });

    const now = new Date().toISOString();
    t.equal(await store.purgeExpiredIdempotency(now, 2), 2, 'the limit bounds one purge');
    t.equal(await store.purgeExpiredIdempotency(now, 100), staleKeys.length - 2, 'then the rest of the expired ones');
    for (const key of staleKeys) t.equal(await store.findIdempotencyRecord(userId, key), null, 'expired record gone');
    t.ok(await store.findIdempotencyRecord(userId, freshKey), 'live record kept');
    t.equal(await store.purgeExpiredIdempotency(now, 100), 0, 'nothing left to purge');
    t.equal((await fresh.getWallet(userId, wallet.id)).balance, 4, 'purging never touches money');
  });
}
