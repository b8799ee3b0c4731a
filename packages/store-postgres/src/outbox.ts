import type pg from 'pg';
import type { OutboxEvent, OutboxRound, OutboxRoundClaim } from '@wallet/ledger';
import { webhookFromRow } from './mapping.js';
import { param, prepare, sql } from './sql-util.js';
import { endpointsOfUsersSql } from './webhooks.js';

/** Claimable: not published, and never leased or its lease ran out (database clock). */
const CLAIMABLE = 'published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())';

const LEASE_UNTIL = sql<'leaseMs'>`now() + make_interval(secs => ${param('leaseMs')}::double precision / 1000)`;

const CLAIM = prepare(
  'outbox-claim',
  sql<'owner' | 'leaseMs' | 'limit'>`UPDATE outbox SET claimed_by = ${param('owner')}, claimed_until = ${LEASE_UNTIL}
    WHERE seq IN (SELECT seq FROM outbox WHERE ${CLAIMABLE} ORDER BY seq LIMIT ${param('limit')} FOR UPDATE SKIP LOCKED)
    RETURNING seq, payload`,
);

const MARK_PUBLISHED = prepare(
  'outbox-mark-published',
  sql<'ids' | 'owner'>`UPDATE outbox SET published_at = now()
    WHERE id = ANY(${param('ids')}::uuid[]) AND claimed_by = ${param('owner')} AND published_at IS NULL`,
);

/**
 * A relay round as one statement. Data-modifying CTEs run once and to completion whether or
 * not the query reads them, all on one snapshot: `published` marks the ids handed on, and the
 * claim leaves those ids out explicitly (their lease may have lapsed, and one statement must
 * not update a row twice). The endpoints come as extra rows of the same result (`seq` null),
 * read as webhooksForUsers reads them (webhooks.ts).
 */
const ROUND = prepare(
  'outbox-round',
  sql<'owner' | 'leaseMs' | 'limit' | 'published'>`WITH published AS (
      UPDATE outbox SET published_at = now()
       WHERE id = ANY(${param('published')}::uuid[]) AND claimed_by = ${param('owner')} AND published_at IS NULL
    ), claimed AS (
      UPDATE outbox SET claimed_by = ${param('owner')}, claimed_until = ${LEASE_UNTIL}
       WHERE seq IN (SELECT seq FROM outbox WHERE ${CLAIMABLE} AND id <> ALL(${param('published')}::uuid[])
                      ORDER BY seq LIMIT ${param('limit')} FOR UPDATE SKIP LOCKED)
      RETURNING seq, payload
    ), endpoints AS (${endpointsOfUsersSql(sql`SELECT payload->>'userId' FROM claimed`)}
    )
    SELECT seq, payload, NULL::uuid AS id, NULL::text AS user_id, NULL::text AS url, NULL::text[] AS events,
           NULL::text AS secret, NULL::timestamptz AS created_at FROM claimed
    UNION ALL
    SELECT NULL, NULL, id, user_id, url, events, secret, created_at FROM endpoints`,
);

const oldestFirst = (rows: Array<{ seq: number; payload: unknown }>): OutboxEvent[] =>
  rows.sort((a, b) => a.seq - b.seq).map((row) => row.payload as OutboxEvent);

export async function claimOutbox(
  pool: pg.Pool,
  claim: { limit: number; leaseMs: number; owner: string },
): Promise<OutboxEvent[]> {
  const { rows } = await pool.query(CLAIM.query(claim));
  return oldestFirst(rows);
}

export async function markOutboxPublished(pool: pg.Pool, ids: string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await pool.query(MARK_PUBLISHED.query({ ids, owner }));
}

export async function claimOutboxRound(pool: pg.Pool, round: OutboxRoundClaim): Promise<OutboxRound> {
  const { rows } = await pool.query(ROUND.query(round));
  const events = rows.filter((row) => row.seq !== null);
  const endpoints = rows.filter((row) => row.seq === null).map(webhookFromRow);
  return { events: oldestFirst(events), endpoints };
}
