import Fastify, { type FastifyInstance } from 'fastify';
import { settlesWithin } from '@wallet/async';
import type { WorkerMetrics } from './metrics.js';

export interface HealthChecks {
  /** False once shutdown began: the orchestrator stops routing and scaling on this worker. */
  isAccepting(): boolean;
  database(): Promise<void>;
  redis(): Promise<void>;
}

/** Bound on one dependency check, so a hung dependency answers "down" rather than hanging the probe. */
const CHECK_TIMEOUT_MS = 1000;

async function probe(check: () => Promise<void>): Promise<'ok' | 'down'> {
  // A check that throws synchronously is as down as one that rejects.
  const running = Promise.resolve().then(check);
  return (await settlesWithin(running, CHECK_TIMEOUT_MS)) ? 'ok' : 'down';
}

/**
 * The worker's tiny HTTP surface: liveness, readiness (database and Redis reachable, not
 * shutting down) and Prometheus metrics. It never listens by itself.
 */
export function buildHealthServer(checks: HealthChecks, metrics: WorkerMetrics): FastifyInstance {
  const server = Fastify({ logger: false, connectionTimeout: 10_000, requestTimeout: 10_000, bodyLimit: 1024 });
  server.get('/health/live', async () => ({ status: 'ok' }));
  server.get('/health/ready', async (_request, reply) => {
    const [database, redis] = await Promise.all([probe(checks.database), probe(checks.redis)]);
    const ready = checks.isAccepting() && database === 'ok' && redis === 'ok';
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ok' : 'unavailable', checks: { database, redis, accepting: checks.isAccepting() } });
  });
  server.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
  return server;
}
