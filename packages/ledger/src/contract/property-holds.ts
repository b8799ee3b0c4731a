import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { LedgerService, WriteResult } from '../ledger-service.js';
import type { LedgerStore } from '../store.js';
import type { CaptureResult, HoldResult, ReversalResult, Transaction, Wallet } from '../types.js';
import { callerOf, newKey } from './service-calls.js';
import { allEntries } from './ledger-checks.js';
import type { Settled } from './race-harness.js';
import { sleepMs } from './hold-harness.js';

/**
 * The holds and reversals half of the property test: the ops a batch may send, what each may
 * answer, and the model checks after the batch (each hold settled at most once and as
 * answered, reversedAmount = the answered reversals, within the original).
 */

export type HoldOpKind = 'hold' | 'capture' | 'void' | 'expire' | 'reverse';

export interface HoldOp {
  kind: HoldOpKind;
  wallet: number;
  to: number;
  amount: number;
  foreign: boolean;
  /** Which setup hold (capture, void) or setup credit (reverse), modulo how many there are. */
  target: number;
  /** Capture or reverse without an amount: the whole hold, all that is left. */
  whole: boolean;
  /** Capture into wallet `to`. */
  into: boolean;
}

export const holdOpArbitrary: fc.Arbitrary<HoldOp> = fc.record({
  kind: fc.constantFrom<HoldOpKind>('hold', 'capture', 'capture', 'void', 'expire', 'reverse', 'reverse'),
  wallet: fc.nat(3),
  to: fc.nat(3),
  amount: fc.integer({ min: 1, max: 1500 }),
  foreign: fc.integer({ min: 0, max: 9 }).map((roll) => roll === 0),
  target: fc.nat(5),
  whole: fc.boolean(),
  into: fc.boolean(),
});

export interface SetupHoldSpec {
  wallet: number;
  /** Share of the wallet's initial balance, in percent. */
  percent: number;
  expiring: boolean;
}

export const setupHoldsArbitrary: fc.Arbitrary<SetupHoldSpec[]> = fc.array(
  fc.record({
    wallet: fc.nat(3),
    percent: fc.integer({ min: 5, max: 60 }),
    expiring: fc.integer({ min: 0, max: 9 }).map((roll) => roll < 2),
  }),
  { maxLength: 4 },
);

export interface SetupHold {
  id: string;
  wallet: number;
  amount: number;
  expiring: boolean;
}

export interface HoldWorld {
  users: string[];
  wallets: Wallet[];
  ownerOf: number[];
  holds: SetupHold[];
  /** The initial credit of each wallet (reversal targets), when it had one. */
  credits: Array<{ id: string; wallet: number; amount: number }>;
}

/** Places the setup holds (one second TTL when expiring) and waits until the expiring ones are due. */
export async function placeSetupHolds(
  service: LedgerService,
  world: Omit<HoldWorld, 'holds'>,
  specs: SetupHoldSpec[],
  initial: number[],
): Promise<SetupHold[]> {
  const holds: SetupHold[] = [];
  let dueAtMs = 0;
  for (const spec of specs) {
    const index = spec.wallet % world.wallets.length;
    const amount = Math.floor((initial[index]! * spec.percent) / 100);
    if (amount < 1) continue;
    const owner = world.users[world.ownerOf[index]!]!;
    const input = { walletId: world.wallets[index]!.id, amount, ...(spec.expiring ? { expiresInSeconds: 1 } : {}) };
    const result = await service.createHold(callerOf(owner), input, { idempotencyKey: newKey() });
    if (result.statusCode !== 201) continue; // Earlier holds took the available balance.
    const { hold } = (result.body as { data: HoldResult }).data;
    holds.push({ id: hold.id, wallet: index, amount, expiring: spec.expiring });
    if (spec.expiring) dueAtMs = Math.max(dueAtMs, Date.parse(hold.expiresAt));
  }
  if (dueAtMs > 0) await sleepMs(dueAtMs - Date.now() + 20);
  return holds;
}

const syntheticOk = (released: number): WriteResult => ({
  statusCode: 200,
  body: { data: { released } } as never,
  replayed: false,
  requestId: 'sweep',
});

export function sendHoldOp(service: LedgerService, world: HoldWorld, op: HoldOp, key: string): Promise<WriteResult> {
  const count = world.wallets.length;
  const index = op.wallet % count;
  const owner = world.ownerOf[index]!;
  const caller = (ownerIndex: number) =>
    callerOf(world.users[op.foreign ? (ownerIndex + 1) % world.users.length : ownerIndex]!);
  const options = { idempotencyKey: key };
  switch (op.kind) {
    case 'hold':
      return service.createHold(caller(owner), { walletId: world.wallets[index]!.id, amount: op.amount }, options);
    case 'expire':
      return service.expireHolds({ limit: 100 }).then(syntheticOk);
    case 'capture':
    case 'void': {
      const hold = world.holds.length > 0 ? world.holds[op.target % world.holds.length]! : null;
      const holdId = hold?.id ?? randomUUID();
      const who = caller(hold ? world.ownerOf[hold.wallet]! : owner);
      if (op.kind === 'void') return service.voidHold(who, holdId, {}, options);
      const input = {
        ...(op.whole ? {} : { amount: op.amount }),
        ...(op.into ? { toWalletId: world.wallets[op.to % count]!.id } : {}),
      };
      return service.captureHold(who, holdId, input, options);
    }
    case 'reverse': {
      const original = world.credits.length > 0 ? world.credits[op.target % world.credits.length]! : null;
      const who = caller(original ? world.ownerOf[original.wallet]! : owner);
      const input = op.whole ? {} : { amount: op.amount };
      return service.reverseTransaction(who, original?.id ?? randomUUID(), input, options);
    }
    default:
      throw new Error(`not a hold op: ${op.kind as string}`);
  }
}

/** The outcomes a hold or reversal op may have, whatever order the batch ran in. */
export function holdAllowedLabels(world: HoldWorld, op: HoldOp): string[] {
  const count = world.wallets.length;
  const retry = 'concurrent_modification';
  switch (op.kind) {
    case 'hold':
      return op.foreign ? ['wallet_not_found'] : ['ok', 'insufficient_funds', retry];
    case 'expire':
      return ['ok'];
    case 'void':
      if (world.holds.length === 0 || op.foreign) return ['hold_not_found'];
      return ['ok', 'hold_not_active', 'hold_expired', retry];
    case 'capture': {
      if (world.holds.length === 0 || op.foreign) return ['hold_not_found'];
      const hold = world.holds[op.target % world.holds.length]!;
      const settled = ['hold_not_active', 'hold_expired', retry];
      if (!op.whole && op.amount > hold.amount) return ['capture_exceeds_hold', ...settled];
      if (op.into) {
        const to = op.to % count;
        if (to === hold.wallet) return ['same_wallet', ...settled];
        if (world.wallets[to]!.currency !== world.wallets[hold.wallet]!.currency)
          return ['currency_mismatch', ...settled];
      }
      return ['ok', ...settled];
    }
    case 'reverse':
      if (world.credits.length === 0 || op.foreign) return ['transaction_not_found'];
      return ['ok', 'reversal_exceeds_original', 'insufficient_funds', retry];
  }
}

/** The entries an answered hold or reversal op reports (a capture into a wallet: both legs). */
export function holdOpEntries(data: unknown): Transaction[] {
  const value = data as Partial<CaptureResult & ReversalResult & HoldResult>;
  if (value.reversal) return [value.reversal];
  if (value.transaction) return value.credit ? [value.transaction, value.credit] : [value.transaction];
  return [];
}

/** Each setup hold settled at most once, as the winning answer says; reversals within their originals. */
export async function checkHoldModel(
  store: LedgerStore,
  world: HoldWorld,
  ops: ReadonlyArray<{ kind: string }>,
  outcomes: Settled[],
): Promise<string[]> {
  const violations: string[] = [];
  const won = (kind: string, predicate: (op: HoldOp) => boolean) =>
    ops.flatMap((op, index) =>
      op.kind === kind && outcomes[index]!.label === 'ok' && predicate(op as HoldOp) ? [outcomes[index]!] : [],
    );
  for (const [position, hold] of world.holds.entries()) {
    const mine = (op: HoldOp) => op.target % world.holds.length === position;
    const captures = won('capture', mine);
    const voids = won('void', mine);
    // A duplicate (same key) answers with the same body: count distinct winning bodies.
    const winners = new Set([...captures, ...voids].map((outcome) => JSON.stringify(outcome.result!.body)));
    const stored = await store.getHold(hold.id);
    if (!stored) {
      violations.push(`hold ${position} vanished`);
      continue;
    }
    if (winners.size > 1) violations.push(`hold ${position} settled ${winners.size} times`);
    if (captures.length > 0) {
      const answered = (captures[0]!.result!.body as { data: CaptureResult }).data.hold;
      if (stored.status !== 'captured' || stored.capturedAmount !== answered.capturedAmount)
        violations.push(`hold ${position} answered captured ${answered.capturedAmount}, stored ${stored.status}`);
    } else if (voids.length > 0) {
      if (stored.status !== 'voided') violations.push(`hold ${position} answered voided, stored ${stored.status}`);
    } else if (stored.status !== 'active' && stored.status !== 'expired') {
      violations.push(`hold ${position} is ${stored.status} though no settlement won`);
    } else if (stored.status === 'expired' && !hold.expiring) {
      violations.push(`hold ${position} expired before its time`);
    }
  }
  for (const [position, original] of world.credits.entries()) {
    const reversals = won('reverse', (op) => op.target % world.credits.length === position);
    const bodies = new Map(reversals.map((outcome) => [JSON.stringify(outcome.result!.body), outcome]));
    const total = [...bodies.values()].reduce(
      (sum, outcome) => sum + (outcome.result!.body as { data: ReversalResult }).data.reversal.amount,
      0,
    );
    const entry = (await allEntries(store, world.wallets[original.wallet]!.id)).find((item) => item.id === original.id);
    if (!entry) violations.push(`credit ${position} vanished`);
    else if (entry.reversedAmount !== total || total > original.amount)
      violations.push(`credit ${position}: reversedAmount ${entry.reversedAmount}, answered reversals ${total}`);
  }
  return violations;
}
