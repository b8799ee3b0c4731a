// Goal: the conflict retry is bounded, backs off with full jitter, and surfaces 409 only
// when attempts run out. Method: drive withConflictRetry with operations that lose N races.
import t from 'tap';
import { VersionConflict, withConflictRetry } from '../src/index.js';
import { conflictBackoffMs } from '../src/store-kit.js';

t.test('retries version conflicts and succeeds within the bound', async (t) => {
  let calls = 0;
  const retries: number[] = [];
  const result = await withConflictRetry(
    { attempts: 5, backoffMs: 1 },
    async () => {
      calls++;
      if (calls < 4) throw new VersionConflict('lost');
      return 'done';
    },
    { onRetry: (attempt) => retries.push(attempt) },
  );
  t.equal(result, 'done');
  t.equal(calls, 4);
  t.same(retries, [1, 2, 3]);
});

t.test('answers concurrent_modification when attempts run out', async (t) => {
  let calls = 0;
  let exhausted = 0;
  await t.rejects(
    withConflictRetry(
      { attempts: 3, backoffMs: 1 },
      async () => {
        calls++;
        throw new VersionConflict('lost');
      },
      { onExhausted: () => exhausted++ },
    ),
    { name: 'LedgerError', code: 'concurrent_modification', status: 409 },
  );
  t.equal(calls, 3);
  t.equal(exhausted, 1);
});

t.test('other errors are not retried', async (t) => {
  let calls = 0;
  await t.rejects(
    withConflictRetry({ attempts: 5, backoffMs: 1 }, async () => {
      calls++;
      throw new Error('boom');
    }),
    /boom/,
  );
  t.equal(calls, 1);
});

t.test('backoff is full jitter under an exponential, capped ceiling', async (t) => {
  const policy = { attempts: 10, backoffMs: 4, backoffMaxMs: 50 };
  t.equal(
    conflictBackoffMs(policy, 0, () => 0.999),
    3,
  );
  t.equal(
    conflictBackoffMs(policy, 2, () => 0.999),
    15,
  );
  t.equal(
    conflictBackoffMs(policy, 9, () => 0.999),
    49,
  );
  t.equal(
    conflictBackoffMs(policy, 3, () => 0),
    0,
  );
});
