// What the client's tests against the real API share: the app listening on a real port, a
// client for it, and concurrent calls with their outcomes sorted.
import { WalletClient, type WalletClientOptions } from '@wallet/client';
import { build, type TeardownHost, type TestApp } from '../../../apps/api/test/helper.js';

/** Rate limits high enough that the tests' bursts are never limited. */
const LIMITS = { RATE_LIMIT_MAX: '10000', RATE_LIMIT_WRITE_MAX: '10000' };

/** The real app (own PostgreSQL schema and Redis prefix) listening on a free loopback port. */
export async function listening(t: TeardownHost): Promise<{ api: TestApp; port: number }> {
  const api = await build(t, { env: LIMITS });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  return { api, port: (api.app.server.address() as { port: number }).port };
}

/** A client of the app on `port` as user `sub`, with short retry pauses. */
export function clientFor(
  api: TestApp,
  port: number,
  sub: string,
  options: Partial<WalletClientOptions> = {},
): WalletClient {
  return new WalletClient({
    baseUrl: `http://127.0.0.1:${port}`,
    token: api.token(sub),
    backoffBaseMs: 20,
    ...options,
  });
}

/** Starts `count` calls together; the values of those that resolved and the errors of those that threw. */
export async function allAtOnce<T>(count: number, call: () => Promise<T>): Promise<{ values: T[]; errors: unknown[] }> {
  const outcomes = await Promise.allSettled(Array.from({ length: count }, call));
  const values = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const errors = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  return { values, errors };
}
