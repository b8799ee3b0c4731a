import type pg from 'pg';
import type { WebhookEndpoint } from '@wallet/ledger';

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
