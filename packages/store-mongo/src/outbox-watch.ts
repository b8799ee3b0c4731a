import type { ChangeStream } from 'mongodb';
import { withTimeout } from '@wallet/async';
import type { WatchSubscription } from '@wallet/ledger/store-kit';
import type { Collections } from './collections.js';

/**
 * Only inserts (an outbox event is written by an upsert that only inserts, which the server
 * reports as an insert) and only the resume token (`_id`, which the driver needs to resume):
 * the relay reads the events itself (claimOutboxRound), so the documents need not travel twice.
 */
const PIPELINE = [{ $match: { operationType: 'insert' } }, { $project: { _id: 1 } }];

/**
 * The outbox watch of the MongoDB adapter: a change stream on the outbox collection (a replica
 * set, which the adapter requires anyway for its transactions). The driver resumes a stream
 * by itself after a resumable error (a failover, a dropped connection); an error it cannot
 * resume emits `error` and closes the stream, and the store's startWatch opens a new one with
 * a bounded backoff, signalling once it is open. Driver messages are never logged from here.
 */
export class OutboxChangeStreams {
  /**
   * @param connect connects the client when it is not connected yet (MongoStore's #connect)
   * @param timeoutMs bound on the stream's opening aggregate
   */
  constructor(
    private readonly collections: Collections,
    private readonly connect: () => Promise<void>,
    private readonly timeoutMs: number,
  ) {}

  /** Opens one stream (an OpenSubscription for startWatch). */
  readonly open = async (signal: () => void, lost: () => void): Promise<WatchSubscription> => {
    await this.connect();
    const stream: ChangeStream = this.collections.outbox.watch(PIPELINE);
    try {
      // The stream is open once the server answered its aggregate: the driver then records
      // the first resume token (or hands over the first change).
      await withTimeout(opened(stream), this.timeoutMs, 'change stream did not open');
    } catch (error) {
      await closeQuietly(stream);
      throw error;
    }
    stream.on('change', signal);
    stream.on('error', lost);
    return { close: () => closeQuietly(stream) };
  };
}

/** Our own close: no listener of ours hears of it, and a late error event has a listener. */
async function closeQuietly(stream: ChangeStream): Promise<void> {
  stream.removeAllListeners();
  stream.on('error', () => undefined);
  await stream.close().catch(() => undefined);
}

function opened(stream: ChangeStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.once('resumeTokenChanged', () => resolve());
    stream.once('error', reject);
    // A 'change' listener starts the stream; the first change also counts as opened.
    stream.on('change', () => resolve());
  });
}
