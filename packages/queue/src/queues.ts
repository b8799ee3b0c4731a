import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryJob } from './job-schemas.js';
import type { QueueNaming } from './names.js';
import type { DeadLetterSource } from './dead-letters.js';

export interface WalletQueues {
  deliveries: Queue<DeliveryJob>;
  maintenance: Queue<Record<string, never>>;
  close(): Promise<void>;
}

/**
 * The worker's queues over one shared connection. The connection belongs to the caller:
 * `close()` closes the queues, not the client (BullMQ leaves shared clients open).
 */
export function createQueues(connection: Redis, naming: QueueNaming): WalletQueues {
  const options = { connection, prefix: naming.prefix };
  const deliveries = new Queue<DeliveryJob>(naming.deliveries, options);
  const maintenance = new Queue<Record<string, never>>(naming.maintenance, options);
  return {
    deliveries,
    maintenance,
    async close() {
      await Promise.all([deliveries.close(), maintenance.close()]);
    },
  };
}

/** The queues whose failed sets form the dead-letter set: the deliveries queue. */
export function deadLetterSources(queues: Pick<WalletQueues, 'deliveries'>): DeadLetterSource[] {
  return [{ kind: 'deliveries', queue: queues.deliveries }];
}
