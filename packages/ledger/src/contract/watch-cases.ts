import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { withStore, type StoreSource } from './harness.js';
import { callerOf, credit, fundedWallet, newKey } from './service-calls.js';

/**
 * A signal must arrive well within this after the commit: far below any poll a relay would
 * run (250 ms by default, 60 s in the worker's notify test), with room for a loaded machine.
 */
const SIGNAL_BOUND_MS = 2000;
/** How long a case waits to be sure a signal does not come. */
const QUIET_MS = 300;

/** Resolves once `count()` passes `from`, or false after `timeoutMs`. */
async function signalledAfter(count: () => number, from: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (count() <= from) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/**
 * watchOutbox: the relay's hint that outbox events were committed. A hint, so the cases
 * check what the relay relies on for speed (a commit signals, soon) and for cleanliness (a
 * refused write does not, close() ends the signals), never that every commit signals.
 */
export function watchCases(t: Test, source: StoreSource): void {
  withStore(t, source, 'watchOutbox: a commit signals soon; a refusal does not; close() ends it', async (fx, t) => {
    const { store, service } = fx;
    let signals = 0;
    const watch = await store.watchOutbox(() => (signals += 1));
    t.ok(await signalledAfter(() => signals, 0, SIGNAL_BOUND_MS), 'one signal once the watch is open');
    const alice = await fundedWallet(service, 0);
    await sleep(QUIET_MS); // Wallet creation writes no outbox event; let stray signals settle.

    const before = signals;
    const startedMs = Date.now();
    await credit(service, alice.userId, alice.wallet.id, 500);
    t.ok(await signalledAfter(() => signals, before, SIGNAL_BOUND_MS), 'a committed credit signals');
    t.comment(`commit → signal: ${Date.now() - startedMs} ms (including the credit itself)`);

    await sleep(QUIET_MS);
    const afterCredit = signals;
    const refused = await service.debit(
      callerOf(alice.userId),
      { walletId: alice.wallet.id, amount: 10_000 },
      { idempotencyKey: newKey() },
    );
    t.equal(refused.statusCode, 409, 'the debit is refused (insufficient funds)');
    await sleep(QUIET_MS);
    t.equal(signals, afterCredit, 'a refused write commits no event and sends no signal');

    await watch.close();
    await watch.close(); // A second close does nothing.
    const closedAt = signals;
    await credit(service, alice.userId, alice.wallet.id, 1);
    await sleep(QUIET_MS);
    t.equal(signals, closedAt, 'no signal after close()');
  });
}
