// Goal: delivery jobs use BullMQ's built-in exponential backoff with a schedule equal to the
// former custom "equal jitter" one: retry n waits in [base*2^(n-1)/2, base*2^(n-1)), never
// shrinking, jittered. Method: BullMQ's own Backoffs.calculate on the options the relay adds,
// sampled many times per retry; the legacy strategy for jobs of the previous version likewise.
import t from 'tap';
import { Backoffs, type BackoffOptions, type MinimalJob } from 'bullmq';
import { loadConfig } from '@wallet/config';
import { LEGACY_WEBHOOK_BACKOFF_TYPE, WEBHOOK_BACKOFF_MAX_MS, legacyBackoffStrategy } from '../src/backoff.js';
import { deliveryJobOptions } from '../src/job-options.js';

const SAMPLES = 200;
const noJob = {} as MinimalJob;

async function waits(backoff: BackoffOptions, attempt: number, job = noJob): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < SAMPLES; index++) {
    samples.push(Number(await Backoffs.calculate(backoff, attempt, new Error('x'), job, legacyBackoffStrategy)));
  }
  return samples;
}

t.test('built-in exponential with jitter 0.5: retry n waits in [c/2, c), c = base*2^(n-1)', async (t) => {
  const backoff = deliveryJobOptions('e.p', { attempts: 8, backoffMs: 1000 }).backoff as BackoffOptions;
  t.equal(backoff.type, 'exponential', 'a built-in type: no custom strategy needed');
  let previousMaxMs = 0;
  for (let attempt = 1; attempt <= 7; attempt++) {
    const ceilingMs = 1000 * 2 ** (attempt - 1);
    const samples = await waits(backoff, attempt);
    const lowMs = Math.min(...samples);
    const highMs = Math.max(...samples);
    t.ok(lowMs >= ceilingMs / 2 && highMs < ceilingMs, `retry ${attempt} within [${ceilingMs / 2}, ${ceilingMs})`);
    t.ok(lowMs >= previousMaxMs, `retry ${attempt} never waits less than the one before`);
    t.ok(new Set(samples).size > SAMPLES / 4, `retry ${attempt} is jittered`);
    t.ok(highMs - lowMs > ceilingMs / 4, `retry ${attempt} spreads over the window`);
    previousMaxMs = highMs;
  }
});

t.test('jobs of the previous version keep their schedule through the legacy strategy', async (t) => {
  const legacy = { type: LEGACY_WEBHOOK_BACKOFF_TYPE, delay: 10 };
  const job = { opts: { backoff: legacy } } as unknown as MinimalJob;
  const samples = await waits(legacy, 3, job);
  t.ok(
    samples.every((waitMs) => waitMs >= 20 && waitMs < 40),
    'retry 3 of base 10 waits in [20, 40)',
  );
});

t.test('every accepted configuration stays under the 6 h wait; beyond it is refused', async (t) => {
  // The last retry of 16 attempts is retry 15: BullMQ's own waits for it stay under the cap.
  const longest = deliveryJobOptions('e.p', { attempts: 16, backoffMs: 1000 }).backoff as BackoffOptions;
  t.ok(Math.max(...(await waits(longest, 15))) < WEBHOOK_BACKOFF_MAX_MS, '16 x 1 s: the last retry waits under 6 h');
  t.ok(loadConfig({ WEBHOOK_ATTEMPTS: '16', WEBHOOK_BACKOFF_MS: '1000' }), '16 x 1 s: under 6 h, accepted');
  t.throws(
    () => loadConfig({ WEBHOOK_ATTEMPTS: '17', WEBHOOK_BACKOFF_MS: '1000' }),
    /WEBHOOK_ATTEMPTS/,
    '17 x 1 s would wait 9 h: refused, naming the variable',
  );
  t.throws(() => loadConfig({ WEBHOOK_ATTEMPTS: '50' }), /WEBHOOK_ATTEMPTS/);
});
