// Goal: the dead-letter list spans both failed sets, newest first, pages without repeats or
// gaps (also across failures in the same millisecond and failures added while paging), and
// re-drives with a fresh attempt count. Method: real Redis, real BullMQ queues and a worker
// whose processor always throws UnrecoverableError; failed-set scores set to force ties.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  DeadLetterCursorError, createQueues, deadLetterSources, deliveryJobId, listDeadLetters, queueNaming, retryDeadLetter,
} from '../src/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

function event(id: string) {
  return { id, type: 'wallet.credited' as const, userId: 'u1', walletId: randomUUID(), transactionId: id, currency: 'EUR', amount: 1, balanceAfter: 1, occurredAt: new Date().toISOString() };
}

t.test('lists, pages and re-drives dead letters of both queues', async (t) => {
  const naming = queueNaming(`t-${randomUUID()}`);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const workerRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = createQueues(redis, naming);
  const failing = async () => {
    throw new UnrecoverableError('HTTP 410');
  };
  const workers = [naming.events, naming.deliveries].map((name) => new Worker(name, failing, { connection: workerRedis, prefix: naming.prefix, concurrency: 4 }));
  t.teardown(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await queues.events.obliterate({ force: true });
    await queues.deliveries.obliterate({ force: true });
    await queues.maintenance.obliterate({ force: true });
    await queues.close();
    await redis.quit();
    await workerRedis.quit();
  });

  const eventIds = Array.from({ length: 5 }, () => randomUUID());
  const endpointId = randomUUID();
  for (const id of eventIds.slice(0, 3)) await queues.deliveries.add('webhook-delivery', { endpointId, event: event(id) }, { jobId: deliveryJobId(id, endpointId), attempts: 3 });
  for (const id of eventIds.slice(3)) await queues.events.add('outbox-event', event(id), { jobId: id, attempts: 3 });
  const failedTotal = async () => (await queues.events.getFailedCount()) + (await queues.deliveries.getFailedCount());
  for (let round = 0; round < 200 && (await failedTotal()) < 5; round++) await new Promise((resolve) => setTimeout(resolve, 25));
  t.equal(await failedTotal(), 5);

  // Force ties: four failures in the same millisecond, across both queues.
  const tieScore = Date.now();
  for (const source of deadLetterSources(queues)) {
    for (const id of await redis.zrange(source.queue.toKey('failed'), '0', '-1')) await redis.zadd(source.queue.toKey('failed'), String(tieScore - (id.startsWith(eventIds[0]!) ? 10 : 0)), id);
  }

  const all = await listDeadLetters(redis, deadLetterSources(queues), { limit: 100 });
  t.equal(all.items.length, 5);
  t.equal(all.nextCursor, null);
  t.equal(all.items.at(-1)!.eventId, eventIds[0], 'oldest failure last');
  t.same(new Set(all.items.map((item) => item.queue)), new Set(['events', 'deliveries']));
  const delivery = all.items.find((item) => item.queue === 'deliveries')!;
  t.match(delivery, { endpointId, userId: 'u1', eventType: 'wallet.credited', failedReason: 'HTTP 410', attemptsMade: 1 });
  t.equal(all.items.find((item) => item.queue === 'events')!.endpointId, null);

  const paged: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await listDeadLetters(redis, deadLetterSources(queues), cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
    paged.push(...result.items.map((item) => item.id));
    if (page === 0) {
      // A failure arriving while paging sorts first and must not shift later pages.
      const lateId = randomUUID();
      await queues.events.add('outbox-event', event(lateId), { jobId: lateId, attempts: 1 });
      for (let round = 0; round < 200 && (await failedTotal()) < 6; round++) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  t.same(paged, all.items.map((item) => item.id), 'pages of 2 give the same order, no repeats, no gaps');

  await t.rejects(listDeadLetters(redis, deadLetterSources(queues), { limit: 0 }), RangeError);
  await t.rejects(listDeadLetters(redis, deadLetterSources(queues), { limit: 2, cursor: 'not-a-cursor' }), DeadLetterCursorError);
  await t.rejects(listDeadLetters(redis, deadLetterSources(queues), { limit: 2, cursor: Buffer.from('[1,2]').toString('base64url') }), DeadLetterCursorError);

  const retried = await retryDeadLetter(deadLetterSources(queues), delivery.id);
  t.equal(retried?.id, delivery.id);
  const job = await queues.deliveries.getJob(delivery.id);
  t.ok(job, 'job kept');
  t.not(await job!.getState(), 'failed', 'back in play');
  t.equal(await retryDeadLetter(deadLetterSources(queues), 'missing'), null);
});
