import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { RoundLoop } from '../src/round-loop.js';

/** A loop whose rounds find nothing to do and take ~1 ms; it counts them. */
class CountingLoop extends RoundLoop {
  rounds = 0;
  readonly #gapMs: number;

  constructor(gapMs: number) {
    super();
    this.#gapMs = gapMs;
  }

  protected async round(): Promise<boolean> {
    this.rounds += 1;
    await sleep(1);
    return false;
  }

  protected roundFailed(): void {}

  protected pauseMs(): number {
    return 60_000;
  }

  protected override minRoundGapMs(): number {
    return this.#gapMs;
  }
}

/** Wakes the loop every 2 ms for `forMs` and returns how many rounds ran. */
async function roundsUnderSignals(loop: CountingLoop, forMs: number): Promise<number> {
  loop.start();
  const end = performance.now() + forMs;
  while (performance.now() < end) {
    loop.wake();
    await sleep(2);
  }
  await loop.stop();
  return loop.rounds;
}

t.test('a steady stream of wake-ups runs at most one round per gap', async (t) => {
  const gapped = await roundsUnderSignals(new CountingLoop(50), 500);
  // 500 ms / 50 ms = 10 gaps, plus the first round and one for timer slack.
  t.ok(gapped >= 2 && gapped <= 12, `${gapped} rounds in 500 ms with a 50 ms gap`);
  const ungapped = await roundsUnderSignals(new CountingLoop(0), 500);
  t.ok(ungapped > 3 * gapped, `${ungapped} rounds without a gap: the gap is what bounds them`);
});

t.test('an idle loop woken once runs its round at once, gap or not', async (t) => {
  const loop = new CountingLoop(1000);
  loop.start();
  await sleep(20);
  t.equal(loop.rounds, 1, 'the first round ran at start');
  await sleep(1000); // past the gap: the next wake must not wait
  const woken = performance.now();
  loop.wake();
  while (loop.rounds < 2 && performance.now() - woken < 500) await sleep(1);
  t.equal(loop.rounds, 2, 'the wake ran a round');
  t.ok(performance.now() - woken < 200, 'without waiting for a gap that had already passed');
  await loop.stop();
});
