import pg from 'pg';
import type { WatchSubscription } from '@wallet/ledger/store-kit';
import { OUTBOX_CHANNEL } from './migrations.js';

export interface OutboxListenerOptions {
  connectionString: string;
  /** The store's schema: notifications naming another schema are ignored. */
  schema: string;
  /** Shown in pg_stat_activity (the pool's name with a `-listen` suffix). */
  applicationName: string;
  /** Bound on opening the connection. */
  connectTimeoutMs: number;
}

/**
 * The outbox watch of the PostgreSQL adapter: a dedicated connection (not a pool member: a
 * pooled one would be handed to other queries and lose its LISTEN) that listens on the
 * outbox channel. The migration's commit-time trigger notifies when a commit inserted outbox
 * rows and no older event waits unclaimed (migrations.ts, version 5). One connection per
 * call: the store keeps it open with startWatch, which reopens a dropped one (server restart,
 * pg_terminate_backend, network) with a bounded backoff and signals after each (re)connect.
 * Errors are swallowed here, never logged: a driver message may carry connection details.
 */
export async function openListener(
  options: OutboxListenerOptions,
  signal: () => void,
  lost: () => void,
): Promise<WatchSubscription> {
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // Finds a silently dead peer (no RST) within minutes instead of never: the poll covers the gap.
    keepAlive: true,
  });
  // An 'error' without a listener would crash the process; 'end' follows it, or comes alone.
  client.on('error', lost);
  client.on('end', lost);
  client.on('notification', (message) => {
    if (message.channel === OUTBOX_CHANNEL && message.payload === options.schema) signal();
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
  } catch (error) {
    client.removeListener('end', lost);
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    async close() {
      client.removeListener('end', lost);
      client.removeListener('error', lost);
      client.on('error', () => undefined);
      await client.end();
    },
  };
}
