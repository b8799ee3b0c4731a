import type { Test } from 'tap';
import type { BalanceResult, Wallet } from '../types.js';
import { storeCases, type StoreSource } from './harness.js';
import { callerOf, dataOf, fundedWallet, newKey, newUser, openWallet, thrownCode } from './service-calls.js';
import { checkWalletLedger } from './ledger-checks.js';
import { countLabels, settleAll, warmUp } from './race-harness.js';

/** Exactly once per Idempotency-Key, scoped to the user (DESIGN.md §4.3). */
export function idempotencyCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  storeCase(
    'idempotency: sequential replay returns the stored outcome with no second effect',
    async ({ store, service }, t) => {
      const { userId, wallet } = await fundedWallet(service, 0);
      const key = newKey();
      const request = { walletId: wallet.id, amount: 250, metadata: { order: 'o-1', note: 'n' } };
      const first = await service.credit(callerOf(userId), request, { idempotencyKey: key });
      const second = await service.credit(callerOf(userId), request, { idempotencyKey: key });
      t.equal(first.replayed, false);
      t.equal(second.replayed, true, 'the second call is a replay');
      t.equal(second.statusCode, first.statusCode);
      t.same(second.body, first.body, 'identical body');
      t.equal(JSON.stringify(second.body), JSON.stringify(first.body), 'byte-identical once serialised');
      t.equal(second.requestId, first.requestId, 'the replay names the original request');
      const after = await service.getWallet(userId, wallet.id);
      t.equal(after.balance, 250, 'applied once');
      t.equal(after.version, 1);
      await checkWalletLedger(t, store, after);

      const record = await service.findIdempotencyRecord(userId, key);
      t.ok(record, 'the record is kept');
      t.equal(record?.operation, 'wallet.credit');
      t.equal(record?.statusCode, 200);
      t.same(record?.body, first.body);
      t.equal(await service.findIdempotencyRecord(newUser(), key), null, 'keys are per user');
    },
  );

  storeCase(
    'idempotency: 8 simultaneous requests with one key apply once and answer alike',
    async ({ store, service }, t) => {
      const { userId, wallet } = await fundedWallet(service, 1000);
      const key = newKey();
      const request = { walletId: wallet.id, amount: 300 };
      await warmUp(service, userId, wallet.id, 8);
      const outcomes = await settleAll(
        Array.from({ length: 8 }, () => service.debit(callerOf(userId), request, { idempotencyKey: key })),
      );
      t.same(countLabels(outcomes), { ok: 8 }, 'every caller gets the outcome');
      const bodies = new Set(outcomes.map((outcome) => JSON.stringify(outcome.result!.body)));
      t.equal(bodies.size, 1, 'all answers carry the same body');
      t.equal(
        outcomes.filter((outcome) => !outcome.result!.replayed).length,
        1,
        'exactly one original, the rest replays',
      );
      const after = await service.getWallet(userId, wallet.id);
      t.equal(after.balance, 700, 'one effect');
      t.equal(after.version, 2);
      await checkWalletLedger(t, store, after);
    },
  );

  storeCase('idempotency: same key with a different request is refused and changes nothing', async ({ service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 1000);
    const other = await openWallet(service, userId, 'EUR');
    const key = newKey();
    await service.credit(callerOf(userId), { walletId: wallet.id, amount: 100 }, { idempotencyKey: key });
    const attempts = [
      () => service.credit(callerOf(userId), { walletId: wallet.id, amount: 101 }, { idempotencyKey: key }),
      () =>
        service.credit(
          callerOf(userId),
          { walletId: wallet.id, amount: 100, metadata: { a: 'b' } },
          { idempotencyKey: key },
        ),
      () => service.credit(callerOf(userId), { walletId: other.id, amount: 100 }, { idempotencyKey: key }),
      () => service.debit(callerOf(userId), { walletId: wallet.id, amount: 100 }, { idempotencyKey: key }),
      () =>
        service.credit(
          callerOf(userId),
          { walletId: wallet.id, amount: 100 },
          { idempotencyKey: key, expectedVersion: 2 },
        ),
      () =>
        service.transfer(
          callerOf(userId),
          { fromWalletId: wallet.id, toWalletId: other.id, amount: 100 },
          { idempotencyKey: key },
        ),
    ];
    for (const attempt of attempts) t.equal(await thrownCode(attempt()), 'idempotency_key_reused');
    const after = await service.getWallet(userId, wallet.id);
    t.equal(after.balance, 1100, 'only the first credit applied');
    t.equal(after.version, 2);
    t.equal((await service.getWallet(userId, other.id)).version, 0);
  });

  storeCase('idempotency: two users using the same key never collide', async ({ service }, t) => {
    const alice = await fundedWallet(service, 0);
    const bob = await fundedWallet(service, 0);
    const key = newKey();
    const outcomes = await settleAll([
      service.credit(callerOf(alice.userId), { walletId: alice.wallet.id, amount: 10 }, { idempotencyKey: key }),
      service.credit(callerOf(bob.userId), { walletId: bob.wallet.id, amount: 20 }, { idempotencyKey: key }),
    ]);
    t.same(countLabels(outcomes), { ok: 2 });
    t.ok(
      outcomes.every((outcome) => !outcome.result!.replayed),
      'neither is a replay',
    );
    t.equal((await service.getWallet(alice.userId, alice.wallet.id)).balance, 10);
    t.equal((await service.getWallet(bob.userId, bob.wallet.id)).balance, 20);
  });

  storeCase(
    'idempotency: a remembered refusal replays even once the balance would allow it',
    async ({ service }, t) => {
      const { userId, wallet } = await fundedWallet(service, 100);
      const key = newKey();
      const request = { walletId: wallet.id, amount: 500 };
      const refused = await service.debit(callerOf(userId), request, { idempotencyKey: key });
      t.equal(refused.statusCode, 409);
      t.match(refused.body, { error: { code: 'insufficient_funds' } });
      await service.credit(callerOf(userId), { walletId: wallet.id, amount: 1000 }, { idempotencyKey: newKey() });
      const replay = await service.debit(callerOf(userId), request, { idempotencyKey: key });
      t.equal(replay.replayed, true);
      t.equal(replay.statusCode, 409);
      t.same(replay.body, refused.body, 'still the refusal');
      t.equal((await service.getWallet(userId, wallet.id)).balance, 1100, 'nothing debited');
      const fresh = await service.debit(callerOf(userId), request, { idempotencyKey: newKey() });
      t.equal(fresh.statusCode, 200, 'a new key applies');
    },
  );

  storeCase('idempotency: refusals that are not final are not remembered', async ({ service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 100);
    const stranger = await fundedWallet(service, 100);
    const notFoundKey = newKey();
    t.equal(
      await thrownCode(
        service.credit(callerOf(userId), { walletId: stranger.wallet.id, amount: 5 }, { idempotencyKey: notFoundKey }),
      ),
      'wallet_not_found',
    );
    t.equal(await service.findIdempotencyRecord(userId, notFoundKey), null, 'wallet_not_found leaves no record');
    const reused = await service.credit(
      callerOf(userId),
      { walletId: wallet.id, amount: 5 },
      { idempotencyKey: notFoundKey },
    );
    t.equal(reused.replayed, false, 'the key is still free');
    t.equal(reused.statusCode, 200);

    // A version_mismatch is retried with the very same request once the wallet reaches that version.
    const casKey = newKey();
    const request = { walletId: wallet.id, amount: 7 };
    const wanted = (await service.getWallet(userId, wallet.id)).version + 1;
    t.equal(
      await thrownCode(service.credit(callerOf(userId), request, { idempotencyKey: casKey, expectedVersion: wanted })),
      'version_mismatch',
    );
    t.equal(await service.findIdempotencyRecord(userId, casKey), null, 'version_mismatch leaves no record');
    await service.credit(callerOf(userId), { walletId: wallet.id, amount: 1 }, { idempotencyKey: newKey() });
    const later = await service.credit(callerOf(userId), request, { idempotencyKey: casKey, expectedVersion: wanted });
    t.equal(later.replayed, false);
    t.equal(dataOf<BalanceResult>(later).wallet.version, wanted + 1, 'the same request applies later');
    t.equal((await service.getWallet(userId, wallet.id)).balance, 100 + 5 + 1 + 7);
  });

  storeCase('idempotency: wallet creation with a key replays the same wallet', async ({ service }, t) => {
    const userId = newUser();
    const key = newKey();
    const first = await service.createWallet(callerOf(userId), { currency: 'GBP' }, { idempotencyKey: key });
    const again = await service.createWallet(callerOf(userId), { currency: 'GBP' }, { idempotencyKey: key });
    t.equal(first.statusCode, 201);
    t.equal(again.replayed, true);
    t.equal(again.statusCode, 201);
    t.same(again.body, first.body);
    t.equal((await service.listWallets(userId)).items.length, 1);
    t.equal(
      await thrownCode(service.createWallet(callerOf(userId), { currency: 'CHF' }, { idempotencyKey: key })),
      'idempotency_key_reused',
    );
    const wallet = dataOf<Wallet>(first);
    t.equal(wallet.currency, 'GBP');
  });
}
