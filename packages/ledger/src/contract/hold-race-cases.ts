import type { Test } from 'tap';
import type { HoldResult } from '../types.js';
import { storeCases, type StoreSource } from './harness.js';
import { callerOf, dataOf, fundedWallet, newKey } from './service-calls.js';
import { checkWalletLedger } from './ledger-checks.js';
import { countLabels, raceKeyed, settleAll, warmUp } from './race-harness.js';
import { capture, captureOf, placeHold, sleepMs, voidHold } from './hold-harness.js';

/** The expiry race fires its requests from this long before expiresAt … */
const EXPIRY_RACE_LEAD_MS = 10;
/** … over this long, so either side can win (the database's clock decides). */
const EXPIRY_RACE_SPAN_MS = 40;

/** Concurrent holds, captures, voids and expiry of one hold: exactly one wins (DESIGN.md §3, §4.9). */
export function holdRaceCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  const writers = 10;

  storeCase(`${writers} concurrent holds of 800 on 1000: exactly one`, async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const request = { walletId: wallet.id, amount: 800 };
    const { keys, outcomes } = await raceKeyed(service, { userId, walletId: wallet.id }, writers, (key) =>
      service.createHold(callerOf(userId), request, { idempotencyKey: key }),
    );
    t.same(countLabels(outcomes), { ok: 1, insufficient_funds: writers - 1 }, 'one hold fits the available balance');
    const won = outcomes.find((outcome) => outcome.label === 'ok')!.result!;
    t.equal(won.statusCode, 201);
    const { hold, wallet: replied } = dataOf<HoldResult>(won);
    t.match(hold, { walletId: wallet.id, amount: 800, capturedAmount: 0, status: 'active' });
    t.match(replied, { balance: 1000, heldBalance: 800, availableBalance: 200, version: 1 });
    const after = await service.getWallet(userId, wallet.id);
    t.match(after, { balance: 1000, heldBalance: 800, availableBalance: 200, version: 1 }, 'a hold writes no entry');
    await checkWalletLedger(t, store, after);
    const index = outcomes.findIndex((outcome) => outcome.label === 'insufficient_funds');
    const replay = await service.createHold(callerOf(userId), request, { idempotencyKey: keys[index]! });
    t.equal(replay.replayed, true, 'the refusal is remembered');
    t.same(replay.body, outcomes[index]!.result!.body);
  });

  storeCase('hold 800 on 1000, then a debit of 300: insufficient_funds', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const other = await fundedWallet(service, 0);
    await placeHold(service, userId, wallet.id, 800);
    const debit = await service.debit(
      callerOf(userId),
      { walletId: wallet.id, amount: 300 },
      { idempotencyKey: newKey() },
    );
    t.equal(debit.statusCode, 409);
    t.match(debit.body, { error: { code: 'insufficient_funds' } }, 'debits spend the available balance only');
    const transfer = await service.transfer(
      callerOf(userId),
      { fromWalletId: wallet.id, toWalletId: other.wallet.id, amount: 300 },
      { idempotencyKey: newKey() },
    );
    t.match(transfer.body, { error: { code: 'insufficient_funds' } }, 'so do transfers out');
    const second = await service.createHold(
      callerOf(userId),
      { walletId: wallet.id, amount: 201 },
      { idempotencyKey: newKey() },
    );
    t.match(second.body, { error: { code: 'insufficient_funds' } }, 'and new holds');
    const fits = await service.debit(
      callerOf(userId),
      { walletId: wallet.id, amount: 200 },
      { idempotencyKey: newKey() },
    );
    t.equal(fits.statusCode, 200, 'the available 200 can be debited');
    const after = await service.getWallet(userId, wallet.id);
    t.match(after, { balance: 800, heldBalance: 800, availableBalance: 0 });
    await checkWalletLedger(t, store, after);
  });

  storeCase(`${writers} concurrent captures of one hold: exactly one`, async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const { hold } = await placeHold(service, userId, wallet.id, 800);
    const { keys, outcomes } = await raceKeyed(service, { userId, walletId: wallet.id }, writers, (key) =>
      capture(service, userId, hold.id, {}, key),
    );
    t.same(countLabels(outcomes), { ok: 1, hold_not_active: writers - 1 }, 'one capture wins');
    const won = captureOf(outcomes.find((outcome) => outcome.label === 'ok')!.result!);
    t.match(won.hold, { id: hold.id, status: 'captured', capturedAmount: 800 });
    t.match(won.transaction, { type: 'capture', amount: 800, holdId: hold.id, balanceBefore: 1000, balanceAfter: 200 });
    const after = await service.getWallet(userId, wallet.id);
    t.match(after, { balance: 200, heldBalance: 0, availableBalance: 200, version: 2 });
    const entries = await checkWalletLedger(t, store, after);
    t.equal(entries.filter((entry) => entry.type === 'capture').length, 1, 'one capture entry');
    t.match(await service.getHold(userId, hold.id), { status: 'captured', capturedAmount: 800 });
    const loser = outcomes.findIndex((outcome) => outcome.label === 'hold_not_active');
    const replay = await capture(service, userId, hold.id, {}, keys[loser]!);
    t.equal(replay.replayed, true, 'hold_not_active is remembered');
    t.equal(replay.statusCode, 409);
  });

  storeCase('captures racing voids on one hold: exactly one winner', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const { hold } = await placeHold(service, userId, wallet.id, 800);
    await warmUp(service, userId, wallet.id, writers);
    const outcomes = await settleAll(
      Array.from({ length: writers }, (_, index) =>
        index % 2 === 0 ? capture(service, userId, hold.id, { amount: 500 }) : voidHold(service, userId, hold.id),
      ),
    );
    t.same(countLabels(outcomes), { ok: 1, hold_not_active: writers - 1 }, 'one settlement wins');
    const winner = outcomes.findIndex((outcome) => outcome.label === 'ok');
    const captured = winner % 2 === 0;
    const stored = await service.getHold(userId, hold.id);
    t.equal(stored.status, captured ? 'captured' : 'voided', 'the hold records the winner');
    const after = await service.getWallet(userId, wallet.id);
    t.match(after, { balance: captured ? 500 : 1000, heldBalance: 0, version: captured ? 2 : 1 });
    await checkWalletLedger(t, store, after);
  });

  storeCase('captures racing the expiry sweep: exactly one winner', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const { hold } = await placeHold(service, userId, wallet.id, 800, 1);
    await warmUp(service, userId, wallet.id, writers);
    await sleepMs(Date.parse(hold.expiresAt) - EXPIRY_RACE_LEAD_MS - Date.now());
    const stepMs = EXPIRY_RACE_SPAN_MS / writers;
    const captures = settleAll(
      Array.from({ length: writers }, (_, index) =>
        sleepMs(index * stepMs).then(() => capture(service, userId, hold.id)),
      ),
    );
    const sweep = (requestId: string) => store.expireHolds({ limit: 1000, now: new Date().toISOString(), requestId });
    const sweeps = Promise.all(
      Array.from({ length: writers }, (_, index) => sleepMs(index * stepMs).then(() => sweep(`sweep_${index}`))),
    );
    const [outcomes, swept] = await Promise.all([captures, sweeps]);
    await sleepMs(Date.parse(hold.expiresAt) - Date.now() + 20);
    const late = await sweep('sweep_late');
    const expiredTimes = [...swept.flat(), ...late].filter((item) => item.id === hold.id).length;
    const labels = countLabels(outcomes);
    const captureWins = labels.ok ?? 0;
    t.equal(captureWins + expiredTimes, 1, `one winner (captures ${JSON.stringify(labels)}, expired ${expiredTimes}x)`);
    const allowed = new Set(['ok', 'hold_not_active', 'hold_expired']);
    t.ok(
      outcomes.every((outcome) => allowed.has(outcome.label)),
      'losers are told why',
    );
    const stored = await service.getHold(userId, hold.id);
    t.equal(stored.status, captureWins === 1 ? 'captured' : 'expired');
    const after = await service.getWallet(userId, wallet.id);
    t.match(after, { balance: captureWins === 1 ? 200 : 1000, heldBalance: 0 });
    await checkWalletLedger(t, store, after);
  });
}
