import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { BALANCE_MAX_MINOR, minor } from '../money.js';
import { requestFingerprint } from '../fingerprint.js';
import type { LedgerStore } from '../store.js';
import type { BalanceCommand, BalanceResult, WriteOutcome } from '../types.js';
import { newService, withStore, type ContractTarget, type StoreSource } from './harness.js';
import { callerOf, fundedWallet, newKey, newUser } from './service-calls.js';
import { allEntries, checkWalletLedger } from './ledger-checks.js';
import { countLabels, settleAll, warmUp } from './race-harness.js';

/** One command of the scripted batch: who, what, under which key, with which If-Match. */
interface Step {
  kind: 'credit' | 'debit';
  amount: number;
  key?: string;
  expectedVersion?: number;
  /** Sent by another user than the wallet's owner. */
  stranger?: boolean;
}

/** The script of case (a): every way a command of a batch can end, in an order where each matters. */
function script(keys: Record<'prior' | 'k1' | 'k2' | 'k3' | 'k4' | 'k5' | 'k6' | 'k7' | 'k8', string>): Step[] {
  return [
    { kind: 'credit', amount: 50, key: keys.k1 }, // 100 → 150, v2
    { kind: 'debit', amount: 120, key: keys.k2 }, // → 30, v3
    { kind: 'debit', amount: 40, key: keys.k3 }, // insufficient_funds (remembered)
    { kind: 'debit', amount: 30, key: keys.k4, expectedVersion: 3 }, // If-Match right: → 0, v4
    { kind: 'credit', amount: 10, key: keys.k5, expectedVersion: 3 }, // If-Match wrong: version_mismatch
    { kind: 'credit', amount: 50, key: keys.k1 }, // k1 again, same request: existing (replay)
    { kind: 'credit', amount: 5, key: keys.k2 }, // k2 again, another request: existing (422)
    { kind: 'credit', amount: 100, key: keys.prior }, // a key stored before the batch: existing
    { kind: 'debit', amount: 1, key: keys.k6, stranger: true }, // another user's command: wallet_not_found
    { kind: 'credit', amount: 5, key: keys.k7 }, // → 5, v5
    { kind: 'debit', amount: 6, key: keys.k8 }, // insufficient_funds
  ];
}

/** The commands of a script for one wallet; ids and times come from the caller so two runs match. */
function commandsFor(
  steps: Step[],
  wallet: { userId: string; walletId: string; stranger: string },
  ids: string[],
  baseMs: number,
): BalanceCommand[] {
  return steps.map((step, index) => {
    const now = new Date(baseMs + index).toISOString();
    // The fingerprint leaves the wallet id out, so the twin runs fingerprint alike.
    const fingerprint = requestFingerprint(`wallet.${step.kind}`, { amount: step.amount }, step.expectedVersion);
    return {
      userId: step.stranger ? wallet.stranger : wallet.userId,
      requestId: `req_batch_${index}`,
      ip: '127.0.0.1',
      now,
      idempotency: step.key
        ? { key: step.key, fingerprint, expiresAt: new Date(baseMs + 86_400_000).toISOString() }
        : undefined,
      kind: step.kind,
      walletId: wallet.walletId,
      amount: minor(step.amount),
      metadata: { step: String(index) },
      expectedVersion: step.expectedVersion,
      transactionId: ids[index]!,
      maxBalance: BALANCE_MAX_MINOR,
    };
  });
}

/** Everything a run left in the store for one wallet and its owner, as plain JSON. */
async function footprint(store: LedgerStore, owner: { userId: string; walletId: string }, keys: string[]) {
  const wallet = await store.getWallet(owner.userId, owner.walletId);
  const entries = await allEntries(store, owner.walletId);
  const records = await Promise.all(keys.map((key) => store.findIdempotencyRecord(owner.userId, key)));
  const audits = (await store.listAudit({ limit: 100 }))
    .filter((event) => event.actor === owner.userId && event.action !== 'wallet.create')
    .map(({ id: _id, ...rest }) => rest);
  return { wallet, entries, records, audits };
}

/** The outbox events of each wallet, in claim (commit) order. */
async function outboxOf(store: LedgerStore, walletIds: string[]) {
  const events = await store.claimOutbox({ limit: 1000, leaseMs: 60_000, owner: `batch_${randomUUID()}` });
  return walletIds.map((walletId) => events.filter((event) => event.walletId === walletId));
}

/** JSON of `value` with every B-side id replaced by its A-side twin. */
function normalised(value: unknown, pairs: Array<[string, string]>): unknown {
  let text = JSON.stringify(value);
  for (const [from, to] of pairs) text = text.replaceAll(from, to);
  return JSON.parse(text);
}

/** Hot-wallet batching (issue 14): a batch decides and writes what one-by-one writes would. */
export function batchCases(t: Test, source: StoreSource): void {
  // Case (a) reads the outbox and the audit trail, which are store-wide: it gets a fresh store.
  const target: ContractTarget = 'shared' in source ? source.shared.target : source;
  withStore(
    t,
    target,
    'a batch gives the outcomes and rows of the same commands applied one by one',
    async ({ store, service }, t) => {
      const { userId: a, wallet: walletA } = await fundedWallet(service, 0);
      const { userId: b, wallet: walletB } = await fundedWallet(service, 0);
      const stranger = newUser();
      const keys = { prior: newKey(), k1: newKey(), k2: newKey(), k3: newKey(), k4: newKey() } as Record<
        string,
        string
      >;
      for (const name of ['k5', 'k6', 'k7', 'k8']) keys[name] = newKey();
      const steps = script(keys as Parameters<typeof script>[0]);
      const baseMs = Date.now() + 60_000;
      const prior: Step[] = [{ kind: 'credit', amount: 100, key: keys.prior }];
      const idsA = steps.map(() => randomUUID());
      const idsB = steps.map(() => randomUUID());
      const [priorIdA, priorIdB] = [randomUUID(), randomUUID()];
      const ownerA = { userId: a, walletId: walletA.id, stranger };
      const ownerB = { userId: b, walletId: walletB.id, stranger };
      await store.applyBalanceChange(commandsFor(prior, ownerA, [priorIdA], baseMs - 1000)[0]!);
      await store.applyBalanceChange(commandsFor(prior, ownerB, [priorIdB], baseMs - 1000)[0]!);

      const batched = await store.applyBalanceBatch(commandsFor(steps, ownerA, idsA, baseMs));
      const oneByOne: WriteOutcome[] = [];
      for (const command of commandsFor(steps, ownerB, idsB, baseMs))
        oneByOne.push(await store.applyBalanceChange(command));

      const pairs: Array<[string, string]> = [
        [walletB.id, walletA.id],
        [b, a],
        [walletB.createdAt, walletA.createdAt],
        [priorIdB, priorIdA],
        ...idsB.map((id, index): [string, string] => [id, idsA[index]!]),
      ];
      t.same(
        batched.map((outcome) => (outcome.kind === 'refused' ? outcome.code : outcome.kind)),
        [
          ...['stored', 'stored', 'stored', 'stored', 'version_mismatch'],
          ...['existing', 'existing', 'existing', 'wallet_not_found', 'stored', 'stored'],
        ],
        'each command ends as scripted',
      );
      t.strictSame(batched, normalised(oneByOne, pairs), 'outcomes: the same, command by command, field by field');
      const keyList = Object.values(keys);
      const [footA, footB] = [await footprint(store, ownerA, keyList), await footprint(store, ownerB, keyList)];
      t.equal(footA.wallet?.balance, 0 + 5, 'balance after the batch');
      t.equal(footA.wallet?.version, 5, 'one version per applied change');
      t.strictSame(footA.entries, normalised(footB.entries, pairs), 'entries, with their seq, in order');
      t.strictSame(footA.records, normalised(footB.records, pairs), 'idempotency records');
      t.strictSame(footA.audits, normalised(footB.audits, pairs), 'audit rows (ok and remembered refusals)');
      t.equal(footA.audits.length, 1 + 6, 'the prior credit, four ok and two remembered refusals are audited');
      const [outboxA, outboxB] = await outboxOf(store, [walletA.id, walletB.id]);
      t.strictSame(outboxA, normalised(outboxB, pairs), 'outbox events, in order');
      t.equal(outboxA!.length, 5, 'one event per entry (the prior credit and four in the batch)');
      await checkWalletLedger(t, store, footA.wallet!);
    },
  );

  const debits = 200;
  const covered = 120;
  withStore(
    t,
    source,
    `${debits} concurrent debits of 1 on a balance of ${covered} through the service: batches form, exactly ${covered} pass`,
    async ({ store }, t) => {
      const sizes: number[] = [];
      const service = newService(store, { observer: { onBalanceBatch: (size) => sizes.push(size) } });
      const { userId, wallet } = await fundedWallet(service, covered);
      const request = { walletId: wallet.id, amount: 1 };
      await warmUp(service, userId, wallet.id, 20);
      const keys = Array.from({ length: debits }, newKey);
      const outcomes = await settleAll(
        keys.map((key) => service.debit(callerOf(userId), request, { idempotencyKey: key })),
      );
      t.same(countLabels(outcomes), { ok: covered, insufficient_funds: debits - covered }, 'exactly the covered ones');
      const after = await service.getWallet(userId, wallet.id);
      t.equal(after.balance, 0, 'the balance is spent to the last unit');
      t.equal(after.version, 1 + covered, 'one entry per successful debit');
      await checkWalletLedger(t, store, after);
      t.ok(
        sizes.some((size) => size > 1),
        `batches of more than one formed (largest ${Math.max(...sizes)}, ${sizes.length} store calls)`,
      );
      t.equal(
        sizes.reduce((sum, size) => sum + size, 0),
        debits + 1,
        'every command (and the funding credit) went to the store exactly once',
      );

      // (c) Replays of batch members repeat their first reply byte for byte.
      for (const [index, outcome] of outcomes.entries()) {
        const replay = await service.debit(callerOf(userId), request, { idempotencyKey: keys[index]! });
        if (!replay.replayed || JSON.stringify(replay.body) !== JSON.stringify(outcome.result!.body))
          return void t.fail(`replay of debit ${index} differs: ${JSON.stringify(replay.body)}`);
      }
      t.pass('every replay is byte-identical to its first reply');
      const won = outcomes.filter((outcome) => outcome.label === 'ok');
      const balances = won.map((outcome) => (outcome.result!.body as { data: BalanceResult }).data.wallet.balance);
      t.same(
        [...balances].sort((x, y) => x - y),
        Array.from({ length: covered }, (_, index) => index),
        'each success saw its own balance after (119 down to 0)',
      );
    },
  );

  withStore(t, source, 'applyBalanceBatch refuses an empty batch and a batch of two wallets', async ({ store }, t) => {
    await t.rejects(store.applyBalanceBatch([]), RangeError, 'empty');
    const base = commandsFor(
      [{ kind: 'credit', amount: 1 }],
      { userId: newUser(), walletId: randomUUID(), stranger: '' },
      [randomUUID()],
      Date.now(),
    )[0]!;
    await t.rejects(
      store.applyBalanceBatch([base, { ...base, walletId: randomUUID(), transactionId: randomUUID() }]),
      RangeError,
      'two wallets',
    );
  });
}
