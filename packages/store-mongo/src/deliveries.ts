import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation, Document } from 'mongodb';
import type { DeliveryKey, DeliveryOutcome, DeliveryRecord, DueDelivery } from '@wallet/ledger';
import { CollectionQueries } from './collections.js';
import type { DeliveryDoc } from './documents.js';
import { DOC_READ, fromDate, outboxFromDoc } from './mapping.js';

/** The delivery job id, which is also the document id: one document per (event, endpoint). */
const deliveryId = (key: DeliveryKey): string => `${key.eventId}.${key.endpointId}`;

/** Pending and due on the server's clock ($$NOW), never on this host's. */
const DUE: Document = { state: 'pending', $expr: { $lte: ['$dueAt', '$$NOW'] } };

/**
 * Delivery bookkeeping in `webhook_deliveries`. Every time is the server's (`$$NOW` in update
 * pipelines and `$expr`), so relays on hosts with skewed clocks agree on what is due. Writes
 * outside transactions, with the collection's majority write concern and `maxTimeMS`.
 */
export class Deliveries extends CollectionQueries {
  async recordPending(pairs: DeliveryKey[], horizonMs: number): Promise<void> {
    if (pairs.length === 0) return;
    // Upserts whose update only inserts: an existing pair, in any state, is left as it is.
    const operations: AnyBulkWriteOperation<DeliveryDoc>[] = pairs.map((pair) => ({
      updateOne: {
        filter: { _id: deliveryId(pair) },
        update: [
          {
            $set: {
              eventId: { $ifNull: ['$eventId', { $literal: pair.eventId }] },
              endpointId: { $ifNull: ['$endpointId', { $literal: pair.endpointId }] },
              state: { $ifNull: ['$state', 'pending'] },
              dueAt: { $cond: [{ $eq: [{ $type: '$state' }, 'missing'] }, { $add: ['$$NOW', horizonMs] }, '$dueAt'] },
              claimToken: { $ifNull: ['$claimToken', null] },
              updatedAt: { $ifNull: ['$updatedAt', '$$NOW'] },
            },
          },
        ],
        upsert: true,
      },
    }));
    await this.collections.deliveries.bulkWrite(operations, { ordered: false, maxTimeMS: this.timeoutMs });
  }

  async settle(key: DeliveryKey, outcome: DeliveryOutcome): Promise<void> {
    // 'delivered' is final; anything else may be replaced by a later outcome (a re-driven dead letter).
    const state =
      outcome === 'delivered' ? 'delivered' : { $cond: [{ $eq: ['$state', 'delivered'] }, '$state', outcome] };
    await this.collections.deliveries.updateOne(
      { _id: deliveryId(key) },
      [
        {
          $set: {
            eventId: { $literal: key.eventId },
            endpointId: { $literal: key.endpointId },
            state,
            dueAt: null,
            claimToken: null,
            updatedAt: { $cond: [{ $eq: ['$state', 'delivered'] }, '$updatedAt', '$$NOW'] },
          },
        },
      ],
      { upsert: true, maxTimeMS: this.timeoutMs },
    );
  }

  /**
   * Picks due pairs, claims them with one update whose filter is re-checked per document (two
   * relays never both win a pair) and which stamps a token unique to this call, then reads back
   * the pairs carrying it and their outbox events.
   */
  async claimDue(claim: { limit: number; horizonMs: number }): Promise<DueDelivery[]> {
    if (claim.limit < 1) return [];
    const { deliveries, outbox } = this.collections;
    const candidates = await deliveries
      .find(DUE, {
        projection: { _id: 1 },
        sort: { state: 1, dueAt: 1 },
        limit: claim.limit,
        maxTimeMS: this.timeoutMs,
      })
      .toArray();
    if (candidates.length === 0) return [];
    const ids = candidates.map((doc) => doc._id);
    const token = randomUUID();
    await deliveries.updateMany(
      { _id: { $in: ids }, ...DUE },
      [{ $set: { dueAt: { $add: ['$$NOW', claim.horizonMs] }, claimToken: token } }],
      { maxTimeMS: this.timeoutMs },
    );
    const won = await deliveries
      .find({ _id: { $in: ids }, claimToken: token }, { maxTimeMS: this.timeoutMs })
      .toArray();
    if (won.length === 0) return [];
    const events = await outbox
      .find({ _id: { $in: [...new Set(won.map((doc) => doc.eventId))] } }, { maxTimeMS: this.timeoutMs, ...DOC_READ })
      .toArray();
    const byId = new Map(events.map((doc) => [doc._id, outboxFromDoc(doc)]));
    return won.flatMap((doc) => {
      const event = byId.get(doc.eventId);
      return event ? [{ endpointId: doc.endpointId, event }] : [];
    });
  }

  async list(eventIds: string[]): Promise<DeliveryRecord[]> {
    if (eventIds.length === 0) return [];
    const docs = await this.collections.deliveries
      .find({ eventId: { $in: eventIds } }, { maxTimeMS: this.timeoutMs })
      .toArray();
    return docs.map((doc) => ({
      eventId: doc.eventId,
      endpointId: doc.endpointId,
      state: doc.state,
      updatedAt: fromDate(doc.updatedAt, 'delivery.updatedAt'),
    }));
  }
}
