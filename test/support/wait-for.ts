// Shared by the test suites of every package: wait for a condition, bounded.
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `check` is true or timeoutMs passes; returns the last value of check. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 25,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return check();
}

/** The backends LISTENing for a PostgresStore's outbox watch (`<applicationName>-listen` in pg_stat_activity). */
export async function outboxListenerPids(
  db: { query(text: string, values: unknown[]): Promise<{ rows: Array<{ pid: unknown }> }> },
  applicationName: string,
): Promise<number[]> {
  const { rows } = await db.query(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`,
    [`${applicationName}-listen`],
  );
  return rows.map((row) => Number(row.pid));
}
