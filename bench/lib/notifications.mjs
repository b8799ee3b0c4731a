// Notification latency under the spread credit load: how long from the event's occurredAt
// (set just before the commit) until the loopback receiver got the signed webhook. Also
// checks completeness: every outbox event of a user with an endpoint, written during the
// scenario, should arrive once.
import { setTimeout as sleep } from 'node:timers/promises';
import { ask } from './children.mjs';

/** After the outbox is drained, deliveries still in the queue get this long to arrive. */
const DELIVERY_WAIT_MS = 30_000;
const POLL_MS = 250;
const IPC_TIMEOUT_MS = 5000;

export async function measureNotifications({ db, schema, receiver, windowStart, users, drainMs }) {
  const webhookUserIds = users.filter((user) => user.hasWebhook).map((user) => user.userId);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE created_at >= $1 AND payload->>'userId' = ANY($2::text[])`,
    [windowStart, webhookUserIds],
  );
  const expected = rows[0].n;
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  let stats = await ask(receiver, { type: 'stats' }, 'stats', IPC_TIMEOUT_MS);
  while (stats.received < expected && Date.now() < deadline) {
    await sleep(POLL_MS);
    stats = await ask(receiver, { type: 'stats' }, 'stats', IPC_TIMEOUT_MS);
  }
  const { type: _type, ...figures } = stats;
  return { ...figures, expected, drainMs };
}
