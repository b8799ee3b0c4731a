import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryJob, EventJob } from './job-schemas.js';
import type { QueueNaming } from './names.js';
import type { DeadLetterSource } from './dead-letters.js';

export interface WalletQueues {
  events: Queue<EventJob>;
  deliveries: Queue<DeliveryJob>;
  maintenance: Queue<Record<string, never>>;
  close(): Promise<void>;
}

/**
 * The three queues over one shared connection. The connection belongs to the caller:
 * `close()` closes the queues, not the client (BullMQ leaves shared clients open).
 */
export function createQueues(connection: Redis, naming: QueueNaming): WalletQueues {
  const options = { connection, prefix: naming.prefix };
  const events = new Queue<EventJob>(naming.events, options);
  const deliveries = new Queue<DeliveryJob>(naming.deliveries, options);
  const maintenance = new Queue<Record<string, never>>(naming.maintenance, options);
  return {
    events,
    deliveries,
    maintenance,
    async close() {
      await Promise.all([events.close(), deliveries.close(), maintenance.close()]);
    },
  };
}

/** The queues whose failed sets form the dead-letter set. */
export function deadLetterSources(queues: Pick<WalletQueues, 'events' | 'deliveries'>): DeadLetterSource[] {
  return [
    { kind: 'deliveries', queue: queues.deliveries },
    { kind: 'events', queue: queues.events },
  ];
}
