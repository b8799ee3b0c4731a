import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { outboxEventFor } from '../shapes.js';
import type { LedgerStore } from '../store.js';
import type { BalanceResult, OutboxEvent, Transaction, TransferResult, Wallet } from '../types.js';
import { storeCases, type ContractTarget } from './harness.js';
import {
  callerOf,
  credit,
  dataOf,
  fundedWallet,
  newKey,
  newUser,
  openWallet,
  thrownCode,
  transfer,
} from './service-calls.js';

/** Claims far above any case's event count, so one claim drains the store. */
const CLAIM_ALL = 1000;
const LEASE_LONG_MS = 60_000;
/** Short enough to wait out in a test, long enough that a round trip on a loaded machine ends first. */
const LEASE_SHORT_MS = 1000;

async function claimAll(store: LedgerStore, owner: string, leaseMs = LEASE_LONG_MS): Promise<OutboxEvent[]> {
  return store.claimOutbox({ limit: CLAIM_ALL, leaseMs, owner });
}

const ids = (events: Array<{ id: string }>): string[] => events.map((event) => event.id).sort();

/** Outbox: one event per committed entry, written with it, claimed by one relay at a time. */
export function outboxCases(t: Test, target: ContractTarget): void {
  const storeCase = storeCases(t, target);
  storeCase(
    'outbox: each committed entry has exactly one event with its id; refusals have none',
    async ({ store, service }, t) => {
      t.equal(await store.outboxLagSeconds(), 0, 'no lag on an empty outbox');
      const firstWriteMs = Date.now();
      const alice = await fundedWallet(service, 0);
      const bob = await fundedWallet(service, 0);
      const entries: Array<{ entry: Transaction; wallet: Wallet }> = [];
      const credited = await credit(service, alice.userId, alice.wallet.id, 1000);
      entries.push({ entry: credited.transaction, wallet: alice.wallet });
      const debited = dataOf<BalanceResult>(
        await service.debit(
          callerOf(alice.userId),
          { walletId: alice.wallet.id, amount: 100, metadata: { k: 'v' } },
          { idempotencyKey: newKey() },
        ),
      );
      entries.push({ entry: debited.transaction, wallet: alice.wallet });
      const moved: TransferResult = await transfer(service, alice.userId, alice.wallet.id, bob.wallet.id, 250);
      entries.push({ entry: moved.debit, wallet: alice.wallet }, { entry: moved.credit, wallet: bob.wallet });

      // Refusals and replays commit no entry, hence no event.
      await service.debit(
        callerOf(alice.userId),
        { walletId: alice.wallet.id, amount: 10_000 },
        { idempotencyKey: newKey() },
      );
      await thrownCode(
        service.credit(callerOf(bob.userId), { walletId: alice.wallet.id, amount: 5 }, { idempotencyKey: newKey() }),
      );
      const eur = await openWallet(service, alice.userId, 'EUR');
      await service.transfer(
        callerOf(alice.userId),
        { fromWalletId: alice.wallet.id, toWalletId: eur.id, amount: 1 },
        { idempotencyKey: newKey() },
      );

      await sleep(250);
      const lag = await store.outboxLagSeconds();
      const sinceFirstWrite = (Date.now() - firstWriteMs) / 1000;
      t.ok(
        lag >= 0.2 && lag <= sinceFirstWrite + 2,
        `lag is the age of the oldest unpublished event (${lag} s, first write ${sinceFirstWrite} s ago)`,
      );
      const claimed = await claimAll(store, 'relay-a');
      t.same(ids(claimed), ids(entries.map(({ entry }) => entry)), 'one event per entry, id = entry id');
      for (const { entry, wallet } of entries) {
        const event = claimed.find((item) => item.id === entry.id);
        t.has(event, outboxEventFor(entry, wallet), `event of ${entry.type} carries the entry`);
      }
      const bobEvent = claimed.find((item) => item.id === moved.credit.id);
      t.equal(bobEvent?.userId, bob.userId, "the incoming leg is the recipient's event");
      t.equal(bobEvent?.direction, 'in');
      await store.markOutboxPublished(ids(claimed), 'relay-a');
      t.equal(await store.outboxLagSeconds(), 0, 'no lag once everything is published');
    },
  );

  storeCase(
    'outbox: concurrent claimers never share an event; published events are not claimed again',
    async ({ store, service }, t) => {
      const { userId, wallet } = await fundedWallet(service, 0);
      for (let index = 0; index < 24; index++) await credit(service, userId, wallet.id, 1);
      const owners = ['relay-1', 'relay-2', 'relay-3', 'relay-4'];
      const batches = await Promise.all(
        owners.map((owner) => store.claimOutbox({ limit: 5, leaseMs: LEASE_SHORT_MS, owner })),
      );
      const claimed = batches.flat();
      t.ok(
        batches.every((batch) => batch.length <= 5),
        'a claim respects its limit',
      );
      t.equal(new Set(ids(claimed)).size, claimed.length, 'no event is handed to two claimers');
      t.ok(claimed.length > 0, 'the claimers got work');

      const published = batches[0]!;
      await store.markOutboxPublished(ids(published), owners[0]!);
      await sleep(LEASE_SHORT_MS + 300);
      const rest = await claimAll(store, 'relay-late');
      const restIds = new Set(ids(rest));
      t.ok(
        ids(published).every((id) => !restIds.has(id)),
        'published events are never claimed again',
      );
      t.equal(
        rest.length,
        24 - published.length,
        'every unpublished event, expired leases included, is claimable again',
      );
      await store.markOutboxPublished(ids(rest), 'relay-late');
      t.same(await claimAll(store, 'relay-after'), [], 'nothing left once everything is published');
    },
  );

  storeCase('outbox: an unexpired lease is not re-claimed, an expired one is', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 0);
    await credit(service, userId, wallet.id, 5);
    const long = await claimAll(store, 'holder-long');
    t.equal(long.length, 1, 'the one credit (a wallet funded with 0 has no entry)');
    t.same(await claimAll(store, 'thief'), [], 'a leased event is not handed out again');

    const other = await fundedWallet(service, 0);
    await credit(service, other.userId, other.wallet.id, 7);
    const short = await claimAll(store, 'holder-short', LEASE_SHORT_MS);
    t.equal(short.length, 1, 'only the new event is free');
    t.same(await claimAll(store, 'early', LEASE_SHORT_MS), [], 'not before the lease expires');
    await sleep(LEASE_SHORT_MS + 300);
    const retaken = await claimAll(store, 'successor');
    t.same(ids(retaken), ids(short), 'the expired lease is claimable, the long one still is not');
  });

  storeCase(
    'audit: successful and refused writes leave events, listed newest first in pages',
    async ({ store, service }, t) => {
      const userId = newUser();
      const wallet = await openWallet(service, userId);
      const caller = callerOf(userId);
      await service.credit(caller, { walletId: wallet.id, amount: 70 }, { idempotencyKey: newKey() });
      const insufficient = callerOf(userId);
      await service.debit(insufficient, { walletId: wallet.id, amount: 1000 }, { idempotencyKey: newKey() });
      const missing = callerOf(userId);
      await thrownCode(service.debit(missing, { walletId: randomUUID(), amount: 3 }, { idempotencyKey: newKey() }));

      const all = await store.listAudit({ limit: 100 });
      const find = (requestId: string) => all.find((event) => event.requestId === requestId);
      t.match(
        find(caller.requestId),
        { actor: userId, ip: caller.ip, action: 'wallet.credit', walletId: wallet.id, amount: 70 },
        'success audited',
      );
      t.match(
        find(insufficient.requestId),
        { actor: userId, action: 'wallet.debit', walletId: wallet.id, amount: 1000, outcome: 'insufficient_funds' },
        'remembered refusal audited',
      );
      t.match(
        find(missing.requestId),
        { actor: userId, action: 'wallet.debit', amount: 3, outcome: 'wallet_not_found' },
        'other refusal audited',
      );
      t.notMatch(find(caller.requestId)?.outcome, /insufficient|not_found/, 'the success is not recorded as a refusal');

      const direct = {
        id: randomUUID(),
        actor: 'admin',
        ip: '10.0.0.1',
        action: 'manual.check',
        walletId: null,
        amount: null,
        outcome: 'ok',
        requestId: 'req-direct',
        createdAt: new Date(Date.now() + 60_000).toISOString(),
      };
      await store.appendAudit(direct);
      const newest = await store.listAudit({ limit: 1 });
      t.same(newest, [direct], 'appendAudit stores the event as given; newest first');

      const everything = await store.listAudit({ limit: 100 });
      const order = everything.map((event) => [Date.parse(event.createdAt), event.id] as const);
      t.ok(
        order.every(
          (item, index) =>
            index === 0 ||
            order[index - 1]![0] > item[0] ||
            (order[index - 1]![0] === item[0] && order[index - 1]![1] > item[1]),
        ),
        'ordered by (createdAt, id) descending',
      );
      const paged: string[] = [];
      let before: { createdAt: string; id: string } | undefined;
      for (let index = 0; index < 20; index++) {
        const page = await store.listAudit({ limit: 2, before });
        paged.push(...page.map((event) => event.id));
        const last = page.at(-1);
        if (page.length < 2 || !last) break;
        before = { createdAt: last.createdAt, id: last.id };
      }
      t.same(
        paged,
        everything.map((event) => event.id),
        'pages of 2 give the same sequence, no repeat, no gap',
      );
    },
  );
}
