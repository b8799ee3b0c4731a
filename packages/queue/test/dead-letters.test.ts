// Goal: the dead-letter list (the deliveries queue's failed set) comes newest first, pages
// without repeats or gaps (also across failures in the same millisecond and failures added
// while paging), and re-drives with a fresh attempt count. Method: real Redis, real BullMQ
// queues and a worker whose processor always throws UnrecoverableError; failed-set scores
// set to force ties.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  DeadLetterCursorError,
  createQueues,
  deadLetterSources,
  deliveryJobId,
  listDeadLetters,
  queueNaming,
  retryDeadLetter,
} from '../src/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

function event(id: string) {
  return {
    id,
    type: 'wallet.credited' as const,
    userId: 'u1',
    walletId: randomUUID(),
    transactionId: id,
    currency: 'EUR',
    amount: 1,
    balanceAfter: 1,
    occurredAt: new Date().toISOString(),
  };
}

t.test('lists, pages and re-drives dead letters', async (t) => {
  const naming = queueNaming(`t-${randomUUID()}`);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const workerRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = createQueues(redis, naming);
  const failing = async () => {
    throw new UnrecoverableError('HTTP 410');
  };
  const worker = new Worker(naming.deliveries, failing, {
    connection: workerRedis,
    prefix: naming.prefix,
    concurrency: 4,
  });
  t.teardown(async () => {
    await worker.close();
    await queues.deliveries.obliterate({ force: true });
    await queues.maintenance.obliterate({ force: true });
    await queues.close();
    await redis.quit();
    await workerRedis.quit();
  });

  const eventIds = Array.from({ length: 5 }, () => randomUUID());
  const endpointId = randomUUID();
  const fail = (id: string, attempts: number) =>
    queues.deliveries.add(
      'webhook-delivery',
      { endpointId, event: event(id) },
      { jobId: deliveryJobId(id, endpointId), attempts },
    );
  for (const id of eventIds) await fail(id, 3);
  const failedTotal = () => queues.deliveries.getFailedCount();
  for (let round = 0; round < 200 && (await failedTotal()) < 5; round++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  t.equal(await failedTotal(), 5);

  // Force ties: four failures in the same millisecond.
  const tieScore = Date.now();
  const failedKey = queues.deliveries.toKey('failed');
  for (const id of await redis.zrange(failedKey, '0', '-1'))
    await redis.zadd(failedKey, String(tieScore - (id.startsWith(eventIds[0]!) ? 10 : 0)), id);

  const all = await listDeadLetters(redis, deadLetterSources(queues), { limit: 100 });
  t.equal(all.items.length, 5);
  t.equal(all.nextCursor, null);
  t.equal(all.items.at(-1)!.eventId, eventIds[0], 'oldest failure last');
  t.same(new Set(all.items.map((item) => item.eventId)), new Set(eventIds), 'every failed delivery, once');
  for (const item of all.items) {
    t.match(item, {
      id: deliveryJobId(item.eventId, endpointId),
      queue: 'deliveries',
      endpointId,
      userId: 'u1',
      eventType: 'wallet.credited',
      failedReason: 'HTTP 410',
      attemptsMade: 1,
    });
  }
  const tied = all.items.slice(0, 4).map((item) => item.id);
  t.same(tied, [...tied].sort().reverse(), 'same-millisecond failures ordered by id, descending');
  const delivery = all.items[0]!;

  const paged: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await listDeadLetters(
      redis,
      deadLetterSources(queues),
      cursor === undefined ? { limit: 2 } : { limit: 2, cursor },
    );
    paged.push(...result.items.map((item) => item.id));
    if (page === 0) {
      // A failure arriving while paging sorts first and must not shift later pages.
      await fail(randomUUID(), 1);
      for (let round = 0; round < 200 && (await failedTotal()) < 6; round++)
        await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  t.same(
    paged,
    all.items.map((item) => item.id),
    'pages of 2 give the same order, no repeats, no gaps',
  );

  await t.rejects(listDeadLetters(redis, deadLetterSources(queues), { limit: 0 }), RangeError);
  await t.rejects(
    listDeadLetters(redis, deadLetterSources(queues), { limit: 2, cursor: 'not-a-cursor' }),
    DeadLetterCursorError,
  );
  await t.rejects(
    listDeadLetters(redis, deadLetterSources(queues), { limit: 2, cursor: Buffer.from('[1,2]').toString('base64url') }),
    DeadLetterCursorError,
  );

  // The worker would fail the re-driven job again at once; paused, it leaves it waiting to be looked at.
  await worker.pause();
  const retried = await retryDeadLetter(deadLetterSources(queues), delivery.id);
  t.equal(retried?.id, delivery.id);
  const job = await queues.deliveries.getJob(delivery.id);
  t.ok(job, 'job kept');
  t.equal(await job!.getState(), 'waiting', 'back in play');
  t.equal(await retryDeadLetter(deadLetterSources(queues), 'missing'), null);
});
