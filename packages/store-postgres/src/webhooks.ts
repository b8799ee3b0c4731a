import type pg from 'pg';
import type { WebhookEndpoint } from '@wallet/ledger';
import { webhookFromRow } from './mapping.js';
import { param, prepare, sql, type Fragment } from './sql-util.js';

/** A user's endpoints listed at most (listWebhooks; per user in webhooksForUsers and the relay round). */
export const WEBHOOKS_LISTED_MAX = 100;

/**
 * The endpoints of the users `users` selects, at most WEBHOOKS_LISTED_MAX each, the first ones
 * listWebhooks lists: the cap applies per user, so one user's many endpoints never crowd out
 * another's. Also a CTE of the relay round's statement (outbox.ts).
 */
export const endpointsOfUsersSql = <K extends string>(users: Fragment<K>): Fragment<K> => sql<K>`
  SELECT id, user_id, url, events, secret, created_at FROM (
    SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY created_at, id) AS position
      FROM webhook_endpoints WHERE user_id IN (${users})) ranked
   WHERE position <= ${String(WEBHOOKS_LISTED_MAX)}`;

const LIST = prepare(
  'webhooks-list',
  sql<'userId'>`SELECT * FROM webhook_endpoints WHERE user_id = ${param('userId')}
    ORDER BY created_at, id LIMIT ${String(WEBHOOKS_LISTED_MAX)}`,
);
const OF_USERS = prepare(
  'webhooks-of-users',
  endpointsOfUsersSql(sql<'users'>`SELECT unnest(${param('users')}::text[])`),
);

export async function listWebhooks(pool: pg.Pool, userId: string): Promise<WebhookEndpoint[]> {
  const { rows } = await pool.query(LIST.query({ userId }));
  return rows.map(webhookFromRow);
}

export async function endpointsOfUsers(pool: pg.Pool, users: string[]): Promise<WebhookEndpoint[]> {
  const { rows } = await pool.query(OF_USERS.query({ users }));
  return rows.map(webhookFromRow);
}

/**
 * The per-user endpoint cap, enforced by the database in one statement: the user's counter
 * row in `webhook_quotas` is taken with INSERT … ON CONFLICT DO UPDATE … WHERE endpoints < max,
 * which locks that row and re-checks the condition against its latest committed version, so
 * racing registrations of one user are serialised on it and at most `max` of them pass. The
 * endpoint is inserted only when the counter moved (the `quota` CTE returned a row).
 */
const CREATE_CAPPED_SQL = `
WITH quota AS (
  INSERT INTO webhook_quotas AS q (user_id, endpoints) VALUES ($2, 1)
  ON CONFLICT (user_id) DO UPDATE SET endpoints = q.endpoints + 1 WHERE q.endpoints < $7
  RETURNING q.user_id
)
INSERT INTO webhook_endpoints (id, user_id, url, events, secret, created_at)
SELECT $1, $2, $3, $4, $5, $6 FROM quota
RETURNING id`;

/** Deletes the endpoint and gives its slot back, in one statement (data-modifying CTEs run once). */
const DELETE_SQL = `
WITH gone AS (
  DELETE FROM webhook_endpoints WHERE id = $1 AND user_id = $2 RETURNING user_id
), released AS (
  UPDATE webhook_quotas q SET endpoints = q.endpoints - 1 FROM gone WHERE q.user_id = gone.user_id AND q.endpoints > 0
)
SELECT count(*)::int AS deleted FROM gone`;

export async function createWebhookCapped(
  pool: pg.Pool,
  endpoint: WebhookEndpoint,
  perUserMax: number,
): Promise<'created' | 'limit_reached'> {
  if (!Number.isSafeInteger(perUserMax) || perUserMax < 1) throw new RangeError('perUserMax must be >= 1');
  const { rowCount } = await pool.query({
    name: 'webhook-create-capped',
    text: CREATE_CAPPED_SQL,
    values: [
      endpoint.id,
      endpoint.userId,
      endpoint.url,
      endpoint.events,
      endpoint.secret,
      endpoint.createdAt,
      perUserMax,
    ],
  });
  return (rowCount ?? 0) > 0 ? 'created' : 'limit_reached';
}

export async function deleteWebhook(pool: pg.Pool, userId: string, id: string): Promise<boolean> {
  const { rows } = await pool.query({ name: 'webhook-delete', text: DELETE_SQL, values: [id, userId] });
  return Number(rows[0]?.deleted ?? 0) > 0;
}
