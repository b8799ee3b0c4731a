// The timeout helper: settles like the work inside the bound, rejects with TimeoutError past it,
// and never leaves a timer or an unhandled rejection behind. Real timers, short bounds.
import t from 'tap';
import { TimeoutError, settlesWithin, sleep, withTimeout } from '../src/index.js';

t.test('resolves and rejects as the work does inside the bound', async (t) => {
  t.equal(await withTimeout(Promise.resolve(7), 100), 7);
  await t.rejects(withTimeout(Promise.reject(new Error('boom')), 100), { message: 'boom' });
});

t.test('rejects with TimeoutError past the bound, and swallows a late failure', async (t) => {
  const started = Date.now();
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 80));
  await t.rejects(withTimeout(late, 20, 'ping'), TimeoutError);
  t.ok(Date.now() - started < 70, 'gave up at the bound, not when the work settled');
  await sleep(100); // the late rejection must not surface as unhandled
});

t.test('settlesWithin answers booleans', async (t) => {
  t.equal(await settlesWithin(Promise.resolve(), 50), true);
  t.equal(await settlesWithin(Promise.reject(new Error('x')), 50), false);
  // The helper's timer is unref'd; hold the loop open as real pending work (a socket) would.
  const keepAlive = setInterval(() => undefined, 1000);
  t.equal(await settlesWithin(new Promise(() => undefined), 20), false);
  clearInterval(keepAlive);
});

t.test('sleep ends early on abort and refuses a negative bound', async (t) => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 10);
  await sleep(5000, controller.signal);
  t.ok(Date.now() - started < 1000);
  t.throws(() => withTimeout(Promise.resolve(), -1), RangeError);
});
