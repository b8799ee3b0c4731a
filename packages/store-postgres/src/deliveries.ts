import type pg from 'pg';
import type { DeliveryKey, DeliveryOutcome, DeliveryRecord, DueDelivery, OutboxEvent } from '@wallet/ledger';
import { isoSql } from './sql-util.js';

const HORIZON_SQL = 'make_interval(secs => $HORIZON::double precision / 1000)';
const horizon = (parameter: number): string => HORIZON_SQL.replace('$HORIZON', `$${parameter}`);

/**
 * Delivery bookkeeping in `webhook_deliveries` (one row per event and endpoint). Times come
 * from the database clock (`now()`), never from the worker's, so relays on hosts with skewed
 * clocks agree on what is due.
 */
export class DeliveryQueries {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async recordPending(pairs: DeliveryKey[], horizonMs: number): Promise<void> {
    if (pairs.length === 0) return;
    await this.#pool.query({
      name: 'deliveries-record-pending',
      text: `INSERT INTO webhook_deliveries (event_id, endpoint_id, state, due_at, updated_at)
             SELECT event_id, endpoint_id, 'pending', now() + ${horizon(3)}, now()
               FROM unnest($1::uuid[], $2::uuid[]) AS pair (event_id, endpoint_id)
             ON CONFLICT (event_id, endpoint_id) DO NOTHING`,
      values: [pairs.map((pair) => pair.eventId), pairs.map((pair) => pair.endpointId), horizonMs],
    });
  }

  async settle(key: DeliveryKey, outcome: DeliveryOutcome): Promise<void> {
    // 'delivered' is final; anything else may be replaced by a later outcome (a re-driven dead letter).
    await this.#pool.query({
      name: 'deliveries-settle',
      text: `INSERT INTO webhook_deliveries AS d (event_id, endpoint_id, state, due_at, updated_at)
             VALUES ($1, $2, $3, NULL, now())
             ON CONFLICT (event_id, endpoint_id) DO UPDATE SET state = EXCLUDED.state, due_at = NULL, updated_at = now()
             WHERE d.state <> 'delivered'`,
      values: [key.eventId, key.endpointId, outcome],
    });
  }

  async claimDue(claim: { limit: number; horizonMs: number }): Promise<DueDelivery[]> {
    if (claim.limit < 1) return [];
    const { rows } = await this.#pool.query({
      name: 'deliveries-claim-due',
      text: `WITH due AS (
               SELECT event_id, endpoint_id FROM webhook_deliveries
                WHERE state = 'pending' AND due_at <= now()
                ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
             UPDATE webhook_deliveries d SET due_at = now() + ${horizon(2)}
               FROM due JOIN outbox o ON o.id = due.event_id
              WHERE d.event_id = due.event_id AND d.endpoint_id = due.endpoint_id
             RETURNING d.endpoint_id, o.payload, o.seq`,
      values: [claim.limit, claim.horizonMs],
    });
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map((row) => ({ endpointId: row.endpoint_id as string, event: row.payload as OutboxEvent }));
  }

  async list(eventIds: string[]): Promise<DeliveryRecord[]> {
    if (eventIds.length === 0) return [];
    // The columns are named as the record's fields, in its order: a row is a DeliveryRecord as it comes.
    const { rows } = await this.#pool.query(
      `SELECT event_id AS "eventId", endpoint_id AS "endpointId", state, ${isoSql('updated_at')} AS "updatedAt"
         FROM webhook_deliveries WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return rows as DeliveryRecord[];
  }
}
