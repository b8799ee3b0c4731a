// Goal: a MongoDB transaction stops retrying once its deadline passed or the request gave up:
// no commit retried in the background for the driver's 120 s, retries spaced by the driver's
// documented backoff, the session aborted and ended, and the right port error. Method: the
// real runTransaction against a session double that follows the driver's session state
// machine and fails with the driver's own error classes and labels (no server can run here;
// the contract suite covers a real replica set when MONGO_URL is set).
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { MongoServerError, type ClientSession, type MongoClient } from 'mongodb';
import { StoreUnavailable, VersionConflict } from '@wallet/ledger';
import { runTransaction, transactionBackoffMs } from '../src/transaction.js';

const TIMEOUT_MS = 200;
/** Twice the timeout is the answer bound; this much more absorbs a loaded machine. */
const ANSWER_SLACK_MS = 300;

function serverError(code: number, ...labels: string[]): MongoServerError {
  return new MongoServerError({ message: `code ${code}`, errmsg: `code ${code}`, code, errorLabels: labels });
}
const unknownCommit = () => serverError(91, 'UnknownTransactionCommitResult');
const writeConflict = () => serverError(112, 'TransientTransactionError');

class SessionDouble {
  state: 'none' | 'in' | 'committed' | 'aborted' = 'none';
  starts = 0;
  commits = 0;
  aborts = 0;
  ended = false;
  constructor(private readonly commit: (attempt: number) => Promise<void>) {}
  startTransaction(): void {
    if (this.ended) throw new Error('session ended');
    this.state = 'in';
    this.starts += 1;
  }
  inTransaction(): boolean {
    return this.state === 'in';
  }
  async commitTransaction(): Promise<void> {
    if (this.ended) throw new Error('session ended');
    this.commits += 1;
    this.state = 'committed';
    await this.commit(this.commits);
  }
  async abortTransaction(): Promise<void> {
    this.aborts += 1;
    this.state = 'aborted';
  }
  async endSession(): Promise<void> {
    this.ended = true;
  }
}

const clientOf = (session: SessionDouble): MongoClient =>
  ({ startSession: () => session as unknown as ClientSession }) as unknown as MongoClient;

async function timed<T>(work: Promise<T>): Promise<{ error: unknown; value?: T; elapsedMs: number }> {
  const startedMs = performance.now();
  try {
    const value = await work;
    return { error: null, value, elapsedMs: performance.now() - startedMs };
  } catch (error) {
    return { error, elapsedMs: performance.now() - startedMs };
  }
}

t.test('the backoff is the driver convenient API schedule: jitter x min(5 x 1.5^n, 500) ms', async (t) => {
  t.equal(
    transactionBackoffMs(1, () => 0.5),
    3.75,
  );
  t.equal(
    transactionBackoffMs(30, () => 0.999),
    499.5,
    'capped at 500 ms',
  );
  t.equal(
    transactionBackoffMs(3, () => 0),
    0,
  );
});

t.test('a commit of unknown outcome is retried with backoff only until the deadline', async (t) => {
  const session = new SessionDouble(async () => {
    throw unknownCommit();
  });
  const result = await timed(runTransaction(clientOf(session), TIMEOUT_MS, async () => 'written'));
  t.type(result.error, StoreUnavailable, '503: the outcome is unknown, the idempotency record makes a retry safe');
  t.ok(result.elapsedMs < TIMEOUT_MS * 2 + ANSWER_SLACK_MS, `answered in ${Math.round(result.elapsedMs)} ms`);
  t.ok(session.commits > 1, `the commit was retried (${session.commits} commits)`);
  t.ok(session.commits < 100, 'with backoff between commits, not a tight loop');
  const commitsAtAnswer = session.commits;
  await sleep(TIMEOUT_MS * 3);
  t.equal(session.commits, commitsAtAnswer, 'no commit is retried after the answer');
  t.ok(session.ended, 'the session is ended');
});

t.test('a hung commit: the caller is answered at twice the timeout, and nothing is retried after', async (t) => {
  const hangMs = TIMEOUT_MS * 4;
  const session = new SessionDouble(async () => {
    await sleep(hangMs);
    throw unknownCommit();
  });
  const result = await timed(runTransaction(clientOf(session), TIMEOUT_MS, async () => 'written'));
  t.type(result.error, StoreUnavailable);
  t.match((result.error as Error).message, /did not finish in time/);
  t.ok(result.elapsedMs < TIMEOUT_MS * 2 + ANSWER_SLACK_MS, `answered in ${Math.round(result.elapsedMs)} ms`);
  t.ok(result.elapsedMs >= TIMEOUT_MS * 2 - 20, 'not before the bound');
  t.notOk(session.ended, 'the session is still in use by the hung commit');
  await sleep(hangMs + TIMEOUT_MS);
  t.equal(session.commits, 1, 'the request gave up: the unknown outcome is not retried');
  t.ok(session.ended, 'the session is ended once the commit settled');
});

t.test('a callback that outlives the request is never committed', async (t) => {
  const session = new SessionDouble(async () => undefined);
  const result = await timed(
    runTransaction(clientOf(session), TIMEOUT_MS, async () => {
      await sleep(TIMEOUT_MS * 3);
      return 'late';
    }),
  );
  t.type(result.error, StoreUnavailable);
  await sleep(TIMEOUT_MS * 2);
  t.equal(session.commits, 0, 'no commit after the caller was answered');
  t.equal(session.aborts, 1, 'the open transaction was aborted');
  t.ok(session.ended);
});

t.test('write conflicts rerun the callback with backoff; past the deadline they are VersionConflict', async (t) => {
  let calls = 0;
  const session = new SessionDouble(async () => undefined);
  const result = await timed(
    runTransaction(clientOf(session), TIMEOUT_MS, async () => {
      calls += 1;
      throw writeConflict();
    }),
  );
  t.type(result.error, VersionConflict, 'the ledger core retries a VersionConflict with its own backoff');
  t.ok(calls > 1 && calls < 100, `the callback ran ${calls} times, spaced by backoff`);
  t.equal(session.aborts, calls, 'each failed attempt was aborted');
  t.equal(session.commits, 0);
  t.ok(result.elapsedMs < TIMEOUT_MS + ANSWER_SLACK_MS, 'no attempt starts after the deadline');
  t.ok(session.ended);
});

t.test(
  'a transient error then success commits once; a commit that ran out of maxCommitTimeMS is not retried',
  async (t) => {
    let calls = 0;
    const session = new SessionDouble(async () => undefined);
    const value = await runTransaction(clientOf(session), TIMEOUT_MS, async () => {
      calls += 1;
      if (calls === 1) throw writeConflict();
      return 'written';
    });
    t.equal(value, 'written');
    t.equal(session.starts, 2);
    t.equal(session.commits, 1);
    t.ok(session.ended);

    const expired = new SessionDouble(async () => {
      throw serverError(50, 'UnknownTransactionCommitResult');
    });
    const result = await timed(runTransaction(clientOf(expired), TIMEOUT_MS, async () => 'written'));
    t.type(result.error, StoreUnavailable, 'MaxTimeMSExpired is our own bound: 503');
    t.equal(expired.commits, 1, 'not retried, as the driver does');
    t.notMatch((result.error as Error).message, /code 50/, 'no driver message');
  },
);
