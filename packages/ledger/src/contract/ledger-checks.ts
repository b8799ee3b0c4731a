// What the contract cases check after their calls: a wallet's ledger invariants, read through
// the port page by page, and the reply and record of a keyed write field by field.
import type { Test } from 'tap';
import { entryDelta, type Caller, type WriteResult } from '../ledger-service.js';
import { requestFingerprint } from '../fingerprint.js';
import { idempotencyRecordFor, type Reply } from '../shapes.js';
import type { LedgerStore } from '../store.js';
import type { Operation, StoredHold, StoredTransaction, Transaction, Wallet } from '../types.js';
import { newKey } from './service-calls.js';

/** Pages read before a history walk gives up; 50 pages of 100 is far above any case here. */
const HISTORY_PAGES_MAX = 50;
const HISTORY_PAGE_LIMIT = 100;

/** Every row of a listing paged by `seq` (newest first), read page by page; `what` names it in the error. */
async function allPages<T extends { seq: number }>(
  what: string,
  readPage: (page: { limit: number; beforeSeq: number | undefined }) => Promise<T[]>,
): Promise<T[]> {
  const rows: T[] = [];
  let beforeSeq: number | undefined;
  for (let page = 0; page < HISTORY_PAGES_MAX; page++) {
    const pageRows = await readPage({ limit: HISTORY_PAGE_LIMIT, beforeSeq });
    rows.push(...pageRows);
    if (pageRows.length < HISTORY_PAGE_LIMIT) return rows;
    beforeSeq = pageRows.at(-1)!.seq;
  }
  throw new Error(`${what} has more pages than the contract suite reads`);
}

/** Every entry of a wallet, newest first, read through the port page by page. */
export function allEntries(store: LedgerStore, walletId: string): Promise<StoredTransaction[]> {
  return allPages(`the history of ${walletId}`, (page) => store.listTransactions(walletId, page));
}

/** Signed effect of an entry on its wallet's balance (a reversal's sign is read from its balances). */
export function signedAmount(entry: Pick<Transaction, 'type' | 'amount' | 'balanceBefore' | 'balanceAfter'>): number {
  return entryDelta(entry);
}

/** Every hold of a wallet, newest first, read through the port page by page. */
export function allHolds(store: LedgerStore, walletId: string): Promise<StoredHold[]> {
  return allPages(`the hold list of ${walletId}`, (page) => store.listHolds(walletId, page));
}

/** heldBalance is the sum of the active holds, within [0, balance], and available = balance - held. */
export async function holdViolations(store: LedgerStore, wallet: Wallet): Promise<string[]> {
  const holds = await allHolds(store, wallet.id);
  const violations: string[] = [];
  const active = holds.filter((hold) => hold.status === 'active').reduce((sum, hold) => sum + hold.amount, 0);
  if (wallet.heldBalance !== active)
    violations.push(`heldBalance ${wallet.heldBalance} but active holds sum to ${active}`);
  if (wallet.heldBalance < 0 || wallet.heldBalance > wallet.balance)
    violations.push(`heldBalance ${wallet.heldBalance} outside [0, ${wallet.balance}]`);
  if (wallet.availableBalance !== wallet.balance - wallet.heldBalance)
    violations.push(`availableBalance ${wallet.availableBalance} is not balance - heldBalance`);
  holds.forEach((hold, index) => {
    if (hold.seq !== holds.length - index) violations.push(`hold ${hold.id} has seq ${hold.seq}`);
    if (hold.walletId !== wallet.id || hold.userId !== wallet.userId) violations.push(`hold ${hold.id} misfiled`);
  });
  return violations;
}

/**
 * The ledger invariants of one wallet, checked against its stored entries: the balance is
 * the entries' sum, the version their count, seq runs version..1 without gaps, each entry
 * starts where the previous one ended, and nothing is negative. Returns what is broken.
 */
export async function ledgerViolations(
  store: LedgerStore,
  wallet: Wallet,
): Promise<{ entries: StoredTransaction[]; violations: string[] }> {
  const entries = await allEntries(store, wallet.id);
  const violations: string[] = [];
  const sum = entries.reduce((total, entry) => total + signedAmount(entry), 0);
  violations.push(...(await holdViolations(store, wallet)));
  if (sum !== wallet.balance) violations.push(`balance ${wallet.balance} but entries sum to ${sum}`);
  if (entries.length !== wallet.version) violations.push(`version ${wallet.version} but ${entries.length} entries`);
  if (wallet.balance < 0) violations.push(`negative balance ${wallet.balance}`);
  entries.forEach((entry, index) => {
    const older = entries[index + 1];
    if (entry.seq !== wallet.version - index)
      violations.push(`entry ${index} has seq ${entry.seq}, expected ${wallet.version - index}`);
    if (entry.walletId !== wallet.id) violations.push(`entry ${entry.id} belongs to ${entry.walletId}`);
    if (entry.balanceAfter !== entry.balanceBefore + signedAmount(entry))
      violations.push(`entry ${entry.id} does not add up`);
    if (entry.balanceAfter < 0 || entry.amount <= 0) violations.push(`entry ${entry.id} is negative or empty`);
    if (entry.reversedAmount < 0 || entry.reversedAmount > entry.amount)
      violations.push(`entry ${entry.id} reversed ${entry.reversedAmount} of ${entry.amount}`);
    const previousAfter = older ? older.balanceAfter : 0;
    if (entry.balanceBefore !== previousAfter)
      violations.push(`entry seq ${entry.seq} starts at ${entry.balanceBefore}, previous ended at ${previousAfter}`);
  });
  return { entries, violations };
}

export async function checkWalletLedger(t: Test, store: LedgerStore, wallet: Wallet): Promise<StoredTransaction[]> {
  const { entries, violations } = await ledgerViolations(store, wallet);
  t.same(
    violations,
    [],
    `ledger of wallet ${wallet.id} adds up (balance ${wallet.balance}, version ${wallet.version})`,
  );
  return entries;
}

/** One keyed write as the shape cases check it: who wrote what under which key, and its result. */
export interface KeyedWrite {
  caller: Caller;
  key: string;
  operation: Operation;
  input: object;
  result: WriteResult;
}

/** Runs a write under a fresh key and keeps what the shape checks need. */
export function keyedWriter(caller: Caller) {
  return async (
    operation: Operation,
    input: object,
    run: (key: string) => Promise<WriteResult>,
  ): Promise<KeyedWrite> => {
    const key = newKey();
    return { caller, key, operation, input, result: await run(key) };
  };
}

/**
 * Field by field (no field more, none less, same values and types): the write's reply and the
 * idempotency record its key left are what the ledger's one definition builds from the same facts.
 */
export async function checkReplyAndRecord(t: Test, store: LedgerStore, write: KeyedWrite, reply: Reply): Promise<void> {
  const what = write.operation;
  t.strictSame({ statusCode: write.result.statusCode, body: write.result.body }, reply, `${what} reply`);
  const record = await store.findIdempotencyRecord(write.caller.userId, write.key);
  if (!record) return void t.fail(`${what}: the key has its record`);
  const context = {
    ...write.caller,
    now: record.createdAt,
    idempotency: { key: write.key, fingerprint: requestFingerprint(what, write.input), expiresAt: record.expiresAt },
  };
  t.strictSame(
    record,
    idempotencyRecordFor(context, what, reply),
    `${what} record: every field as the ledger defines it`,
  );
}
