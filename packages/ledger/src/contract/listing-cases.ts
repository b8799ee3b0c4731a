import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type { Wallet, WebhookEndpoint } from '../types.js';
import { WEBHOOKS_PER_USER_MAX } from '../store.js';
import { storeCases, type StoreSource } from './harness.js';
import { credit, newUser, openWallet, thrownCode } from './service-calls.js';

/** The cap the API applies; the store's default. */
const CAP = WEBHOOKS_PER_USER_MAX;

const endpointOf = (userId: string): WebhookEndpoint => ({
  id: randomUUID(),
  userId,
  url: `https://example.test/hooks/${randomUUID()}`,
  events: [],
  secret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
  createdAt: new Date().toISOString(),
});

/** The n-th three-letter currency code: AAA, AAB, … (any ^[A-Z]{3}$ code opens a wallet). */
function currencyAt(index: number): string {
  const letter = (value: number) => String.fromCharCode(65 + (value % 26));
  return letter(Math.floor(index / 676)) + letter(Math.floor(index / 26)) + letter(index);
}

/** Pages through every wallet of a user; bounded so a cursor that loops fails instead of hanging. */
async function walkWallets(
  list: (cursor?: string) => Promise<{ items: Wallet[]; nextCursor: string | null }>,
  between: (pageIndex: number) => Promise<void> = async () => undefined,
): Promise<{ seen: Wallet[]; pages: number }> {
  const seen: Wallet[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= 100; pages++) {
    const page = await list(cursor);
    seen.push(...page.items);
    if (page.nextCursor === null) return { seen, pages };
    cursor = page.nextCursor;
    await between(pages);
  }
  throw new Error('wallet pages did not end');
}

/** The per-user webhook cap under races, and the paged wallet list (DESIGN.md §3). */
export function listingCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  storeCase('webhook cap: 40 parallel registrations store exactly 20', async ({ store }, t) => {
    const userId = newUser();
    const other = newUser();
    await store.createWebhook(endpointOf(other), CAP);
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => store.createWebhook(endpointOf(userId), CAP)));
    t.equal(outcomes.filter((outcome) => outcome === 'created').length, CAP, '20 created');
    t.equal(outcomes.filter((outcome) => outcome === 'limit_reached').length, 40 - CAP, 'the other 20 refused');
    const stored = await store.listWebhooks(userId);
    t.equal(stored.length, CAP, 'exactly 20 stored');
    t.equal((await store.listWebhooks(other)).length, 1, "another user's endpoints are not counted");

    t.equal(await store.deleteWebhook(userId, stored[0]!.id), true);
    t.equal(await store.deleteWebhook(userId, stored[0]!.id), false, 'a second delete finds nothing');
    t.equal(await store.deleteWebhook(other, stored[1]!.id), false, "another user's endpoint is not deleted");
    const again = await Promise.all(Array.from({ length: 5 }, () => store.createWebhook(endpointOf(userId), CAP)));
    t.same(
      again.filter((outcome) => outcome === 'created').length,
      1,
      'a delete frees exactly one slot, also under a race',
    );
    t.equal((await store.listWebhooks(userId)).length, CAP);
  });

  storeCase('wallet pages: 105 wallets, each reachable once, stable under inserts', async (fixture, t) => {
    const { service } = fixture;
    const userId = newUser();
    const created: Wallet[] = [];
    // Ten at a time: many share a creation millisecond, so the id tie-break is exercised.
    for (let start = 0; start < 105; start += 10) {
      const batch = Array.from({ length: Math.min(10, 105 - start) }, (_, offset) => currencyAt(start + offset));
      created.push(...(await Promise.all(batch.map((currency) => openWallet(service, userId, currency)))));
    }
    await openWallet(service, newUser(), 'USD');

    const first = await service.listWallets(userId);
    t.equal(first.items.length, 100, 'the default page is 100');
    t.type(first.nextCursor, 'string', 'and says there is more');

    const late: Wallet[] = [];
    const { seen, pages } = await walkWallets(
      (cursor) => service.listWallets(userId, { limit: 10, cursor }),
      async (pageIndex) => {
        if (pageIndex === 3)
          late.push(...(await Promise.all([500, 501].map((i) => openWallet(service, userId, currencyAt(i))))));
      },
    );
    const ids = seen.map((wallet) => wallet.id);
    t.equal(new Set(ids).size, ids.length, 'no wallet twice');
    for (const wallet of created) t.ok(ids.includes(wallet.id), `wallet ${wallet.currency} reached`);
    for (const wallet of late)
      t.ok(ids.includes(wallet.id), `wallet ${wallet.currency}, created while paging, reached`);
    t.equal(seen.length, 107, 'nothing else: only the caller’s wallets');
    t.ok(pages >= 11, `${pages} pages of 10`);

    const cursor = (await service.listWallets(userId, { limit: 1 })).nextCursor!;
    t.equal(await thrownCode(service.listWallets(newUser(), { cursor })), 'validation_failed', "another user's cursor");
    t.equal(await thrownCode(service.listWallets(userId, { cursor: `${cursor}x` })), 'validation_failed', 'tampered');
    t.equal(await thrownCode(service.listWallets(userId, { cursor: 'bm9wZQ.AAAA' })), 'validation_failed', 'forged');
    for (const amount of [1, 2]) await credit(service, userId, created[0]!.id, amount);
    const history = (await service.readHistory(userId, created[0]!.id, 1)).nextCursor!;
    t.equal(
      await thrownCode(service.listWallets(userId, { cursor: history })),
      'validation_failed',
      'a history cursor',
    );
  });
}
