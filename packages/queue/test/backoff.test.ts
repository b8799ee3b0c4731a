// Goal: delivery backoff grows exponentially with bounded jitter and never shrinks between
// retries. Method: the pure function at the extremes of its random input, and the BullMQ
// strategy reading the job's own base delay.
import t from 'tap';
import { WEBHOOK_BACKOFF_MAX_MS, webhookBackoffMs, webhookBackoffStrategy } from '../src/backoff.js';

t.test('equal jitter: retry n waits in [base*2^(n-1)/2, base*2^(n-1))', async (t) => {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const ceilingMs = 1000 * 2 ** (attempt - 1);
    t.equal(
      webhookBackoffMs(attempt, 1000, () => 0),
      ceilingMs / 2,
      `lowest wait of retry ${attempt}`,
    );
    t.ok(webhookBackoffMs(attempt, 1000, () => 0.999999) < ceilingMs, `highest wait of retry ${attempt}`);
    t.ok(
      webhookBackoffMs(attempt + 1, 1000, () => 0) >= webhookBackoffMs(attempt, 1000, () => 0.999999),
      'never shrinks',
    );
  }
  const cappedMs = webhookBackoffMs(60, 1000, () => 0.999999);
  t.ok(cappedMs < WEBHOOK_BACKOFF_MAX_MS && cappedMs >= WEBHOOK_BACKOFF_MAX_MS / 2, 'capped');
  t.equal(
    webhookBackoffMs(0, 1000, () => 0),
    500,
    'attempt 0 treated as the first retry',
  );
  const samples = new Set(Array.from({ length: 50 }, () => webhookBackoffMs(3, 1000)));
  t.ok(samples.size > 10, 'jittered');
});

t.test('the BullMQ strategy uses the job base delay, else the default', async (t) => {
  const strategy = webhookBackoffStrategy(1000);
  const withJobBase = strategy(2, 'webhook-jitter', undefined, { opts: { backoff: { delay: 10 } } });
  t.ok(withJobBase >= 10 && withJobBase < 20);
  const withDefault = strategy(2, 'webhook-jitter');
  t.ok(withDefault >= 1000 && withDefault < 2000);
});
