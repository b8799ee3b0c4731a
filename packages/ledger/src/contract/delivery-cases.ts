import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { DELIVERY_BATCH_MAX, DELIVERY_HORIZON_MIN_MS, type DeliveryKey, type DeliveryRecord } from '../deliveries.js';
import type { LedgerStore } from '../store.js';
import type { OutboxEvent } from '../types.js';
import { storeCases, type ContractTarget, type Fixture } from './harness.js';
import { credit, fundedWallet } from './service-calls.js';

/** The shortest horizon a store accepts: waited out in the cases, so it is kept short. */
const HORIZON_MS = DELIVERY_HORIZON_MIN_MS;
/** Beyond the horizon by enough for a round trip on a loaded machine. */
const PAST_HORIZON_MS = HORIZON_MS + 400;
const LONG_HORIZON_MS = 60_000;

async function committedEvents(fixture: Fixture, count: number): Promise<OutboxEvent[]> {
  const { userId, wallet } = await fundedWallet(fixture.service, 0);
  for (let index = 0; index < count; index++) await credit(fixture.service, userId, wallet.id, index + 1);
  const events = await fixture.store.claimOutbox({ limit: 1000, leaseMs: 60_000, owner: 'delivery-cases' });
  await fixture.store.markOutboxPublished(
    events.map((event) => event.id),
    'delivery-cases',
  );
  return events;
}

const stateOf = (records: DeliveryRecord[], key: DeliveryKey): string | undefined =>
  records.find((record) => record.eventId === key.eventId && record.endpointId === key.endpointId)?.state;

async function statesOf(store: LedgerStore, keys: DeliveryKey[]): Promise<Array<string | undefined>> {
  const records = await store.listDeliveries([...new Set(keys.map((key) => key.eventId))]);
  return keys.map((key) => stateOf(records, key));
}

/** Delivery bookkeeping: pending until settled, 'delivered' final, due pairs claimed once per horizon. */
export function deliveryCases(t: Test, target: ContractTarget): void {
  const storeCase = storeCases(t, target);
  storeCase('deliveries: pending until settled; delivered is final', async (fixture, t) => {
    const { store } = fixture;
    const [first, second] = await committedEvents(fixture, 2);
    const endpointA = randomUUID();
    const endpointB = randomUUID();
    const keys = [
      { eventId: first!.id, endpointId: endpointA },
      { eventId: first!.id, endpointId: endpointB },
      { eventId: second!.id, endpointId: endpointA },
    ];
    t.same(await store.listDeliveries([first!.id]), [], 'nothing recorded before the relay');
    await store.recordPendingDeliveries(keys, LONG_HORIZON_MS);
    t.same(await statesOf(store, keys), ['pending', 'pending', 'pending'], 'recorded as pending');

    await store.settleDelivery(keys[0]!, 'delivered');
    await store.settleDelivery(keys[1]!, 'dead');
    await store.settleDelivery(keys[2]!, 'skipped');
    await store.recordPendingDeliveries(keys, LONG_HORIZON_MS);
    t.same(await statesOf(store, keys), ['delivered', 'dead', 'skipped'], 'a second relay changes no settled pair');

    await store.settleDelivery(keys[0]!, 'dead');
    await store.settleDelivery(keys[1]!, 'delivered');
    t.same(
      (await statesOf(store, keys)).slice(0, 2),
      ['delivered', 'delivered'],
      'a late dead letter never undoes a delivery; a re-driven dead letter can be delivered',
    );

    const unplanned = { eventId: second!.id, endpointId: randomUUID() };
    await store.settleDelivery(unplanned, 'delivered');
    t.same(await statesOf(store, [unplanned]), ['delivered'], 'settling an unrecorded pair records it');
    const record = (await store.listDeliveries([second!.id])).find((item) => item.endpointId === unplanned.endpointId);
    t.ok(record && Number.isFinite(Date.parse(record.updatedAt)), 'updatedAt is an ISO time');
    t.same(await store.listDeliveries([randomUUID()]), [], 'another event has no records');
  });

  storeCase('deliveries: due pending pairs are claimed once per horizon', async (fixture, t) => {
    const { store } = fixture;
    const events = await committedEvents(fixture, 6);
    const endpointId = randomUUID();
    const keys = events.map((event) => ({ eventId: event.id, endpointId }));
    await store.recordPendingDeliveries(keys, HORIZON_MS);
    t.same(await store.claimDueDeliveries({ limit: 100, horizonMs: HORIZON_MS }), [], 'nothing due before the horizon');

    await store.settleDelivery(keys[0]!, 'delivered');
    await store.settleDelivery(keys[1]!, 'dead');
    await sleep(PAST_HORIZON_MS);
    const claimers = await Promise.all(
      [1, 2, 3].map(() => store.claimDueDeliveries({ limit: 2, horizonMs: LONG_HORIZON_MS })),
    );
    const claimed = claimers.flat();
    const claimedIds = claimed.map((due) => due.event.id);
    t.equal(new Set(claimedIds).size, claimedIds.length, 'concurrent claimers never share a pair');
    t.ok(
      claimers.every((batch) => batch.length <= 2),
      'a claim respects its limit',
    );
    const rest = await store.claimDueDeliveries({ limit: 100, horizonMs: LONG_HORIZON_MS });
    const all = [...claimed, ...rest];
    t.same(
      all.map((due) => due.event.id).sort(),
      events
        .slice(2)
        .map((event) => event.id)
        .sort(),
      'exactly the unsettled pairs come due; settled ones never',
    );
    for (const due of all) {
      const event = events.find((item) => item.id === due.event.id) as OutboxEvent;
      t.same(due.event, event, 'a due delivery carries its outbox event');
      t.equal(due.endpointId, endpointId);
    }
    t.same(await store.claimDueDeliveries({ limit: 100, horizonMs: HORIZON_MS }), [], 'claimed pairs wait a horizon');
    t.same(await statesOf(store, keys.slice(2)), ['pending', 'pending', 'pending', 'pending'], 'still pending');
  });

  storeCase('deliveries: bounds are refused before any write', async ({ store }, t) => {
    const tooMany = Array.from({ length: DELIVERY_BATCH_MAX + 1 }, () => ({
      eventId: randomUUID(),
      endpointId: randomUUID(),
    }));
    await t.rejects(store.recordPendingDeliveries(tooMany, LONG_HORIZON_MS), RangeError, 'too many pairs');
    await t.rejects(store.recordPendingDeliveries(tooMany.slice(0, 1), 10), RangeError, 'horizon too short');
    await t.rejects(store.claimDueDeliveries({ limit: DELIVERY_BATCH_MAX + 1, horizonMs: HORIZON_MS }), RangeError);
    t.same(await store.listDeliveries([tooMany[0]!.eventId]), [], 'nothing written');
  });
}
