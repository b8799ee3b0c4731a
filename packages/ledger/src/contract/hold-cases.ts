import type { Test } from 'tap';
import { storeCases, type StoreSource } from './harness.js';
import { callerOf, fundedWallet, newKey, refusalCodeOf, thrownCode } from './service-calls.js';
import { checkWalletLedger } from './ledger-checks.js';
import { capture, captureOf, placeHold, sleepMs, voidHold } from './hold-harness.js';

/** What holds do one request at a time: capture, partial capture, void, expiry, ownership, listing. */
export function holdCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  storeCase('a partial capture takes its amount and releases the rest', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const { hold } = await placeHold(service, userId, wallet.id, 800);
    const over = await capture(service, userId, hold.id, { amount: 801 });
    t.equal(over.statusCode, 422);
    t.equal(refusalCodeOf(over), 'capture_exceeds_hold', 'no capture above the hold');
    const result = captureOf(await capture(service, userId, hold.id, { amount: 300 }));
    t.match(result.hold, { status: 'captured', amount: 800, capturedAmount: 300 });
    t.match(result.wallet, { balance: 700, heldBalance: 0, availableBalance: 700, version: 2 });
    t.match(result.transaction, { type: 'capture', amount: 300, balanceBefore: 1000, balanceAfter: 700 });
    t.equal(result.credit, undefined, 'no destination, no capture_in');
    await checkWalletLedger(t, store, await service.getWallet(userId, wallet.id));
  });

  storeCase('a capture into another wallet is one atomic capture / capture_in pair', async ({ store, service }, t) => {
    const payer = await fundedWallet(service, 1000);
    const payee = await fundedWallet(service, 50);
    const euro = await fundedWallet(service, 0, 'EUR');
    const { hold } = await placeHold(service, payer.userId, payer.wallet.id, 800);
    const mismatch = await capture(service, payer.userId, hold.id, { toWalletId: euro.wallet.id });
    t.equal(refusalCodeOf(mismatch), 'currency_mismatch');
    t.equal(await thrownCode(capture(service, payer.userId, hold.id, { toWalletId: payer.wallet.id })), 'same_wallet');
    const missing = '00000000-0000-4000-8000-000000000000';
    t.equal(await thrownCode(capture(service, payer.userId, hold.id, { toWalletId: missing })), 'wallet_not_found');
    const result = captureOf(
      await capture(service, payer.userId, hold.id, { amount: 500, toWalletId: payee.wallet.id }),
    );
    t.match(result.transaction, { type: 'capture', walletId: payer.wallet.id, amount: 500, holdId: hold.id });
    t.match(result.credit, {
      type: 'capture_in',
      walletId: payee.wallet.id,
      amount: 500,
      holdId: hold.id,
      balanceAfter: 550,
    });
    const from = await service.getWallet(payer.userId, payer.wallet.id);
    const to = await service.getWallet(payee.userId, payee.wallet.id);
    t.match(from, { balance: 500, heldBalance: 0 });
    t.match(to, { balance: 550, heldBalance: 0, version: 2 });
    await checkWalletLedger(t, store, from);
    await checkWalletLedger(t, store, to);
  });

  storeCase('void releases the hold; settled holds refuse further settlement', async ({ store, service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const { hold } = await placeHold(service, userId, wallet.id, 600);
    const key = newKey();
    const voided = await voidHold(service, userId, hold.id, key);
    t.equal(voided.statusCode, 200);
    t.match(voided.body, {
      data: { hold: { status: 'voided', capturedAmount: 0 }, wallet: { heldBalance: 0, balance: 1000 } },
    });
    const replay = await voidHold(service, userId, hold.id, key);
    t.equal(replay.replayed, true);
    t.same(replay.body, voided.body, 'same key: the first answer');
    t.equal(refusalCodeOf(await voidHold(service, userId, hold.id)), 'hold_not_active');
    t.equal(refusalCodeOf(await capture(service, userId, hold.id)), 'hold_not_active');
    const reused = service.captureHold(callerOf(userId), hold.id, { amount: 5 }, { idempotencyKey: key });
    t.equal(await thrownCode(reused), 'idempotency_key_reused', 'a key names one request');
    await checkWalletLedger(t, store, await service.getWallet(userId, wallet.id));
  });

  storeCase(
    'from expiresAt on capture and void answer hold_expired; the sweep releases once',
    async ({ store, service }, t) => {
      const { userId, wallet } = await fundedWallet(service, 1000);
      const { hold } = await placeHold(service, userId, wallet.id, 800, 1);
      t.ok(Date.parse(hold.expiresAt) - Date.parse(hold.createdAt) <= 1500, 'expiresAt is about a second away');
      await sleepMs(Date.parse(hold.expiresAt) - Date.now() + 50);
      const key = newKey();
      const late = await capture(service, userId, hold.id, {}, key);
      t.equal(late.statusCode, 409);
      t.equal(refusalCodeOf(late), 'hold_expired', 'judged by the database clock, before any sweep');
      t.equal((await capture(service, userId, hold.id, {}, key)).replayed, true, 'remembered');
      t.equal(refusalCodeOf(await voidHold(service, userId, hold.id)), 'hold_expired');
      t.match(await service.getWallet(userId, wallet.id), { heldBalance: 800 }, 'held until the sweep');
      t.ok((await service.expireHolds({ limit: 1000 })) >= 1, 'the sweep releases it');
      t.match(await service.getHold(userId, hold.id), { status: 'expired', capturedAmount: 0 });
      t.match(await service.getWallet(userId, wallet.id), { balance: 1000, heldBalance: 0, availableBalance: 1000 });
      const again = await store.expireHolds({ limit: 1000, now: new Date().toISOString(), requestId: 'sweep_again' });
      t.notOk(
        again.some((item) => item.id === hold.id),
        'never released twice',
      );
      t.equal(refusalCodeOf(await capture(service, userId, hold.id)), 'hold_expired', 'an expired hold stays expired');
      await checkWalletLedger(t, store, await service.getWallet(userId, wallet.id));
    },
  );

  storeCase("holds are their wallet owner's: others get 404, the list pages by status", async ({ service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const stranger = await fundedWallet(service, 0);
    const holds = [];
    for (let index = 0; index < 5; index++) holds.push((await placeHold(service, userId, wallet.id, 10 + index)).hold);
    await voidHold(service, userId, holds[1]!.id);
    await capture(service, userId, holds[3]!.id);
    t.equal(await thrownCode(service.getHold(stranger.userId, holds[0]!.id)), 'hold_not_found');
    t.equal(await thrownCode(service.getHold(userId, 'not-a-hold-id')), 'hold_not_found', 'a malformed id is absent');
    t.equal(await thrownCode(voidHold(service, userId, 'not-a-hold-id')), 'hold_not_found');
    t.equal(await thrownCode(capture(service, stranger.userId, holds[0]!.id)), 'hold_not_found');
    t.equal(await thrownCode(voidHold(service, stranger.userId, holds[0]!.id)), 'hold_not_found');
    t.equal(
      await thrownCode(service.listHolds(stranger.userId, { walletId: wallet.id, limit: 10 })),
      'wallet_not_found',
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await service.listHolds(userId, { walletId: wallet.id, limit: 2, cursor });
      seen.push(...result.items.map((hold) => hold.id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    t.same(seen, holds.map((hold) => hold.id).reverse(), 'every hold once, newest first');
    const active = await service.listHolds(userId, { walletId: wallet.id, status: 'active', limit: 10 });
    t.same(
      active.items.map((hold) => hold.id),
      [holds[4]!.id, holds[2]!.id, holds[0]!.id],
      'filtered by status',
    );
    const history = await service.readHistory(userId, wallet.id, 1);
    t.ok(history.nextCursor, 'a history cursor exists');
    const foreignCursor = service.listHolds(userId, { walletId: wallet.id, limit: 2, cursor: history.nextCursor! });
    t.equal(await thrownCode(foreignCursor), 'validation_failed', 'a history cursor is no holds cursor');
    const bad = service.createHold(
      callerOf(userId),
      { walletId: wallet.id, amount: 1, expiresInSeconds: 0 },
      { idempotencyKey: newKey() },
    );
    t.equal(await thrownCode(bad), 'validation_failed', 'expiresInSeconds starts at 1');
  });
}
