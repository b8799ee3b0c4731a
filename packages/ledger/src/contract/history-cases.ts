import type { Test } from 'tap';
import { CursorCodec } from '../cursor.js';
import type { LedgerService } from '../ledger-service.js';
import type { Transaction } from '../types.js';
import { storeCases, type StoreSource } from './harness.js';
import { credit, fundedWallet, openWallet, thrownCode } from './service-calls.js';

/** Pages a wallet's history through the service the way the API does; bounded. */
async function pageThrough(
  service: LedgerService,
  userId: string,
  walletId: string,
  limit: number,
  pagesMax: number,
): Promise<Transaction[][]> {
  const pages: Transaction[][] = [];
  let cursor: string | undefined;
  for (let index = 0; index < pagesMax; index++) {
    const { beforeSeq } = await service.resolveHistory(userId, walletId, cursor);
    const page = await service.readHistory(userId, walletId, limit, beforeSeq);
    pages.push(page.items);
    if (!page.nextCursor) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('history paging did not end');
}

/** History: newest first, cursor pages stable under concurrent inserts, cursors unforgeable. */
export function historyCases(t: Test, source: StoreSource): void {
  const storeCase = storeCases(t, source);
  storeCase('history: newest first, pages of the requested size, last page without cursor', async ({ service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 0);
    const amounts = Array.from({ length: 12 }, (_, index) => index + 1);
    for (const amount of amounts) await credit(service, userId, wallet.id, amount);
    const pages = await pageThrough(service, userId, wallet.id, 5, 10);
    t.same(
      pages.map((page) => page.length),
      [5, 5, 2],
    );
    t.same(
      pages.flat().map((entry) => entry.amount),
      [...amounts].reverse(),
      'newest first across pages',
    );
    t.notOk('seq' in pages[0]![0]!, 'the storage position does not leak into the public entry');
    const exact = await pageThrough(service, userId, wallet.id, 12, 3);
    t.same(
      exact.map((page) => page.length),
      [12],
      'a page that ends exactly at the oldest entry has no cursor',
    );
    const empty = await openWallet(service, userId, 'EUR');
    t.same(await pageThrough(service, userId, empty.id, 5, 2), [[]], 'a wallet without entries has an empty page');
  });

  storeCase(
    'history: paging while another task keeps crediting skips nothing and repeats nothing',
    async ({ service }, t) => {
      const { userId, wallet } = await fundedWallet(service, 0);
      const existing: string[] = [];
      for (let index = 0; index < 30; index++)
        existing.push((await credit(service, userId, wallet.id, 1)).transactionId);

      let writing = true;
      const added: string[] = [];
      const writer = (async () => {
        // Bounded: at most 40 concurrent credits, stopping early once the reader is done.
        for (let index = 0; index < 40 && writing; index++)
          added.push((await credit(service, userId, wallet.id, 2)).transactionId);
      })();
      const items: Transaction[] = [];
      let cursor: string | undefined;
      for (let index = 0; index < 40; index++) {
        const { beforeSeq } = await service.resolveHistory(userId, wallet.id, cursor);
        const page = await service.readHistory(userId, wallet.id, 4, beforeSeq);
        items.push(...page.items);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      writing = false;
      await writer;

      const ids = items.map((entry) => entry.id);
      t.equal(new Set(ids).size, ids.length, 'no item twice');
      t.ok(
        existing.every((id) => ids.includes(id)),
        'every entry that existed when paging started was seen',
      );
      t.ok(
        ids.every((id) => existing.includes(id) || added.includes(id)),
        'nothing foreign',
      );
      const chained = items.every(
        (entry, index) => index === 0 || items[index - 1]!.balanceBefore === entry.balanceAfter,
      );
      t.ok(chained, 'consecutive items are consecutive entries: nothing skipped');
      t.equal(items.at(-1)!.balanceBefore, 0, 'paging reached the first entry');
    },
  );

  storeCase('history: forged, tampered and foreign cursors are validation_failed', async ({ service }, t) => {
    const { userId, wallet } = await fundedWallet(service, 0);
    const other = await openWallet(service, userId, 'EUR');
    const stranger = await fundedWallet(service, 0);
    for (let index = 0; index < 3; index++) await credit(service, userId, wallet.id, 1);
    const first = await service.readHistory(userId, wallet.id, 1);
    const cursor = first.nextCursor!;
    t.type(cursor, 'string');
    t.ok((await service.resolveHistory(userId, wallet.id, cursor)).beforeSeq, 'the issued cursor works');

    const [payload, signature] = cursor.split('.') as [string, string];
    const forgedPayload = Buffer.from(JSON.stringify([userId, wallet.id, 99])).toString('base64url');
    const otherSecret = new CursorCodec('another-secret').encode({ userId, walletId: wallet.id, seq: 2 });
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const bad: Array<[string, string, string, string]> = [
      ['garbage', 'not-a-cursor', userId, wallet.id],
      ['empty', '', userId, wallet.id],
      ['tampered payload', `${forgedPayload}.${signature}`, userId, wallet.id],
      ['tampered signature', `${payload}.${flipped}`, userId, wallet.id],
      ['extra segment', `${cursor}.x`, userId, wallet.id],
      ['signed with another secret', otherSecret, userId, wallet.id],
      ['other wallet of the same user', cursor, userId, other.id],
      ['presented by another user', cursor, stranger.userId, stranger.wallet.id],
      ['oversized', `${'a'.repeat(600)}.${signature}`, userId, wallet.id],
    ];
    for (const [label, value, asUser, walletId] of bad) {
      t.equal(await thrownCode(service.resolveHistory(asUser, walletId, value)), 'validation_failed', label);
    }
    t.equal(
      await thrownCode(service.resolveHistory(stranger.userId, wallet.id)),
      'wallet_not_found',
      "another user's history is 404",
    );
  });
}
