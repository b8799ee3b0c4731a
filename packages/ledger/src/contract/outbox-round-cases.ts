import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { WEBHOOK_READ_USERS_MAX, type LedgerStore, type OutboxRound } from '../store.js';
import { storeCases, type ContractTarget } from './harness.js';
import { credit, fundedWallet, newEndpoint } from './service-calls.js';

const LEASE_LONG_MS = 60_000;
/** Short enough to wait out in a test, long enough that a round trip on a loaded machine ends first. */
const LEASE_SHORT_MS = 1000;
const CLAIM_ALL = 1000;

const byId = <T extends { id: string }>(items: T[]): T[] => [...items].sort((x, y) => (x.id < y.id ? -1 : 1));
const idsOf = (items: Array<{ id: string }>): string[] => items.map((item) => item.id);

function round(store: LedgerStore, owner: string, published: string[] = [], leaseMs = LEASE_LONG_MS) {
  return store.claimOutboxRound({ limit: CLAIM_ALL, leaseMs, owner, published });
}

/** The relay's round call (claimOutboxRound): claim, endpoints and the previous round's publish in one. */
export function outboxRoundCases(t: Test, target: ContractTarget): void {
  const storeCase = storeCases(t, target);

  storeCase('outbox round: the claim of claimOutbox, with the endpoints webhooksForUsers gives', async (c, t) => {
    const [ann, ben, cid] = [
      await fundedWallet(c.service, 0),
      await fundedWallet(c.service, 0),
      await fundedWallet(c.service, 0),
    ];
    const hooks = [
      newEndpoint(ann.userId, []),
      newEndpoint(ann.userId, ['wallet.debited']),
      newEndpoint(ben.userId, []),
    ];
    const stranger = newEndpoint(`stranger-${ann.userId}`, []);
    for (const hook of [...hooks, stranger]) await c.store.createWebhook(hook, 20);
    const written = [];
    for (const { userId, wallet } of [ann, ben, cid, ann]) written.push(await credit(c.service, userId, wallet.id, 5));

    const first: OutboxRound = await round(c.store, 'relay-a');
    t.same(idsOf(first.events), idsOf(written.map((result) => result.transaction)), 'every event, oldest first');
    t.same(byId(first.endpoints), byId(hooks), "the claimed users' endpoints, nobody else's, each once");
    t.same(
      byId(first.endpoints),
      byId(await c.store.webhooksForUsers([ann.userId, ben.userId, cid.userId])),
      'the same endpoints webhooksForUsers returns',
    );
    const second = await round(c.store, 'relay-b');
    t.same(second, { events: [], endpoints: [] }, 'leased events are not handed out again, and no endpoint is read');
    t.ok((await c.store.outboxLagSeconds()) > 0, 'claimed is not published');
  });

  storeCase('outbox round: `published` is marked by its holder and never claimed by that call', async (c, t) => {
    const { userId, wallet } = await fundedWallet(c.service, 0);
    for (let index = 0; index < 3; index++) await credit(c.service, userId, wallet.id, 1);
    const first = await round(c.store, 'relay-a', [], LEASE_SHORT_MS);
    t.equal(first.events.length, 3);
    await sleep(LEASE_SHORT_MS + 300);
    const later = await credit(c.service, userId, wallet.id, 1);

    const other = await round(c.store, 'relay-b', idsOf(first.events));
    t.same(
      idsOf(other.events),
      [later.transaction.id],
      'ids handed in are not handed out by that call, whoever holds them',
    );
    t.ok((await c.store.outboxLagSeconds()) > 0, "another owner's `published` marks nothing");

    const back = await round(c.store, 'relay-a', idsOf(first.events));
    t.same(back.events, [], 'their holder publishes its lapsed leases and the same call does not claim them again');
    const done = await round(c.store, 'relay-b', idsOf(other.events));
    t.same(done.events, [], 'nothing left');
    t.equal(await c.store.outboxLagSeconds(), 0, 'every event published by the owner that held it');
  });

  storeCase('outbox round: concurrent relays share no event and publish every one', async (c, t) => {
    const { userId, wallet } = await fundedWallet(c.service, 0);
    await c.store.createWebhook(newEndpoint(userId, []), 20);
    for (let index = 0; index < 30; index++) await credit(c.service, userId, wallet.id, 1);
    const seen: string[] = [];
    const relay = async (owner: string): Promise<void> => {
      let published: string[] = [];
      for (let attempt = 0; attempt < 50; attempt++) {
        const { events, endpoints } = await c.store.claimOutboxRound({
          limit: 4,
          leaseMs: LEASE_LONG_MS,
          owner,
          published,
        });
        if (events.length === 0) return;
        t.equal(endpoints.length, 1, `${owner}: the user's endpoint comes with each non-empty round`);
        seen.push(...idsOf(events));
        published = idsOf(events);
      }
    };
    await Promise.all(['r1', 'r2', 'r3', 'r4'].map(relay));
    t.equal(seen.length, 30, 'every event handed out once');
    t.equal(new Set(seen).size, 30, 'never to two relays');
    t.equal(await c.store.outboxLagSeconds(), 0, "each relay's last round published its previous batch");
  });

  storeCase('outbox round: bounded like webhooksForUsers', async ({ store }, t) => {
    const claim = { leaseMs: LEASE_LONG_MS, owner: 'relay-bounds', published: [] as string[] };
    await t.rejects(store.claimOutboxRound({ ...claim, limit: 0 }), RangeError, 'a limit of at least 1');
    await t.rejects(store.claimOutboxRound({ ...claim, limit: WEBHOOK_READ_USERS_MAX + 1 }), RangeError);
    const tooMany = Array.from({ length: WEBHOOK_READ_USERS_MAX + 1 }, () => randomUUID());
    await t.rejects(store.claimOutboxRound({ ...claim, limit: 1, published: tooMany }), RangeError);
  });
}
