import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { OpaqueCursor } from '@wallet/ledger/opaque-cursor';

/** Largest dead-letter page. */
export const DEAD_LETTER_PAGE_MAX = 100;
/** Jobs failing in the same millisecond that one page walks past; beyond it a page may skip some. */
const SAME_MS_TIES_MAX = 1000;
const REASON_CHARS_MAX = 200;

/** Queues whose failed sets are dead letters: only webhook deliveries carry work that can fail. */
export type DeadLetterQueueKind = 'deliveries';

export interface DeadLetter {
  /** The BullMQ job id: `<eventId>.<endpointId>`. */
  id: string;
  queue: DeadLetterQueueKind;
  eventId: string;
  eventType: string;
  userId: string;
  endpointId: string;
  attemptsMade: number;
  /** Our own short failure text (HTTP status, timeout, refused address), never a body. */
  failedReason: string;
  failedAt: string;
  createdAt: string;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  nextCursor: string | null;
}

export interface DeadLetterSource {
  kind: DeadLetterQueueKind;
  queue: Queue;
}

/** Thrown for a cursor this module did not issue; the API maps it to 400 validation_failed. */
export class DeadLetterCursorError extends Error {
  override name = 'DeadLetterCursorError';
}

interface Position {
  score: number;
  kind: string;
  id: string;
}

/**
 * Lists the failed sets of several queues as one list, newest failure first. A cursor is
 * the (failure time, queue, id) of the last item; the next page takes what sorts strictly
 * after it, so failures that happen while paging never shift a page (no item twice).
 */
export async function listDeadLetters(
  redis: Redis,
  sources: DeadLetterSource[],
  page: { limit: number; cursor?: string },
): Promise<DeadLetterPage> {
  if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > DEAD_LETTER_PAGE_MAX) {
    throw new RangeError(`limit must be 1..${DEAD_LETTER_PAGE_MAX}`);
  }
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const candidates: Array<Position & { source: DeadLetterSource }> = [];
  for (const source of sources) {
    const positions = await failedAfter(redis, source, after, page.limit + 1);
    candidates.push(...positions.map((position) => ({ ...position, source })));
  }
  candidates.sort((a, b) => comparePositions(b, a));
  const chosen = candidates.slice(0, page.limit);
  const items: DeadLetter[] = [];
  for (const candidate of chosen) {
    const job = await candidate.source.queue.getJob(candidate.id);
    if (job) items.push(describe(candidate.source.kind, job, candidate.score));
  }
  const last = chosen.at(-1);
  const nextCursor = candidates.length > page.limit && last ? encodeCursor(last) : null;
  return { items, nextCursor };
}

/**
 * Moves a failed job back to waiting with its attempt counter reset, so it gets the full
 * retry schedule again. Null when no queue holds a failed job with this id.
 */
export async function retryDeadLetter(sources: DeadLetterSource[], id: string): Promise<DeadLetter | null> {
  for (const source of sources) {
    const job = await source.queue.getJob(id);
    if (!job || !(await job.isFailed())) continue;
    const letter = describe(source.kind, job, job.finishedOn ?? job.timestamp);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return letter;
  }
  return null;
}

async function failedAfter(
  redis: Redis,
  source: DeadLetterSource,
  after: Position | undefined,
  count: number,
): Promise<Position[]> {
  const key = source.queue.toKey('failed');
  const max = after === undefined ? '+inf' : String(after.score);
  const ties = after === undefined ? 0 : Math.min(await redis.zcount(key, after.score, after.score), SAME_MS_TIES_MAX);
  const flat = await redis.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', 0, count + ties);
  const positions: Position[] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const position = { id: flat[index]!, score: Number(flat[index + 1]), kind: source.kind };
    if (after === undefined || comparePositions(position, after) < 0) positions.push(position);
  }
  return positions.slice(0, count);
}

/** Total order of failures: time, then queue, then id — the order Redis uses within one set. */
function comparePositions(a: Position, b: Position): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/** Dead-letter cursors: opaque cursors of [score, kind, id]; operator-only, so not signed. */
const cursors = new OpaqueCursor({ purpose: 'dead-letters' });

function encodeCursor(position: Position): string {
  return cursors.encode([position.score, position.kind, position.id]);
}

function decodeCursor(cursor: string): Position {
  const [score, kind, id] = cursors.decode(cursor, 3) ?? [];
  if (typeof score !== 'number' || !Number.isSafeInteger(score) || typeof kind !== 'string' || typeof id !== 'string')
    throw new DeadLetterCursorError('cursor is malformed');
  return { score, kind, id };
}

function describe(kind: DeadLetterQueueKind, job: Job, failedAtMs: number): DeadLetter {
  const data = (job.data ?? {}) as { endpointId?: string; event?: Record<string, unknown> };
  const event = data.event ?? {};
  return {
    id: String(job.id),
    queue: kind,
    eventId: String(event.id ?? ''),
    eventType: String(event.type ?? ''),
    userId: String(event.userId ?? ''),
    endpointId: String(data.endpointId ?? ''),
    attemptsMade: job.attemptsMade,
    failedReason: String(job.failedReason ?? '').slice(0, REASON_CHARS_MAX),
    failedAt: new Date(job.finishedOn ?? failedAtMs).toISOString(),
    createdAt: new Date(job.timestamp).toISOString(),
  };
}
