// Goal: both stores refuse holds, captures, voids and reversals for the same reasons in the
// same order, and a held amount is never spendable. Method: the pure rule functions on
// hand-made wallets, holds and entries.
import t from 'tap';
import type {
  BalanceCommand,
  CaptureHoldCommand,
  CreateHoldCommand,
  ReverseCommand,
  StoredHold,
  StoredTransaction,
  VoidHoldCommand,
  Wallet,
} from '../src/index.js';
import {
  counterpartType,
  judgeBalanceChange,
  judgeCapture,
  judgeCreateHold,
  judgeReversal,
  judgeVoid,
} from '../src/store-kit.js';

/** Plain numbers in these hand-made values are minor units; the rules only compare them. */
type Loose<T> = { [K in keyof T]?: unknown };

const NOW = '2030-01-01T00:00:00.000Z';
const context = { userId: 'alice', requestId: 'r-1', ip: '127.0.0.1', now: NOW };
const wallet = (overrides: Loose<Wallet> = {}): Wallet => {
  const fields = { id: 'w-a', userId: 'alice', currency: 'USD', balance: 1000, heldBalance: 0, version: 1 };
  const merged = { ...fields, createdAt: NOW, updatedAt: NOW, ...overrides };
  return { ...merged, availableBalance: (merged.balance as number) - (merged.heldBalance as number) } as Wallet;
};
const hold = (overrides: Loose<StoredHold> = {}): StoredHold =>
  ({
    id: 'h-1',
    walletId: 'w-a',
    amount: 800,
    capturedAmount: 0,
    status: 'active',
    expiresAt: NOW,
    createdAt: NOW,
    updatedAt: NOW,
    metadata: {},
    userId: 'alice',
    seq: 1,
    ...overrides,
  }) as StoredHold;
const captureCommand = (overrides: Loose<CaptureHoldCommand> = {}): CaptureHoldCommand =>
  ({
    ...context,
    holdId: 'h-1',
    metadata: {},
    transactionId: 't-1',
    creditId: 't-2',
    maxBalance: 10_000,
    ...overrides,
  }) as CaptureHoldCommand;
const code = (verdict: { ok: boolean; code?: string }) => (verdict.ok ? 'ok' : verdict.code);

t.test('held money is not spendable: holds and debits judge the available balance', async (t) => {
  const holdCommand = {
    ...context,
    holdId: 'h',
    walletId: 'w-a',
    amount: 300,
    metadata: {},
    ttlSeconds: 1,
    eventId: 'e',
  } as unknown as CreateHoldCommand;
  t.equal(code(judgeCreateHold(wallet({ heldBalance: 800 }), holdCommand)), 'insufficient_funds');
  t.equal(code(judgeCreateHold(wallet({ heldBalance: 700 }), holdCommand)), 'ok', 'the available 300 fits');
  t.equal(code(judgeCreateHold(wallet({ userId: 'bob' }), holdCommand)), 'wallet_not_found');
  const debit = {
    ...context,
    kind: 'debit' as const,
    walletId: 'w-a',
    amount: 300,
    metadata: {},
    transactionId: 't',
    maxBalance: 1e9,
  } as unknown as BalanceCommand;
  t.equal(code(judgeBalanceChange(wallet({ heldBalance: 701 }), debit)), 'insufficient_funds');
});

t.test('capture and void verdicts, in order', async (t) => {
  t.equal(code(judgeCapture(null, false, null, null, captureCommand())), 'hold_not_found');
  t.equal(code(judgeCapture(hold({ userId: 'bob' }), false, wallet(), null, captureCommand())), 'hold_not_found');
  t.equal(code(judgeCapture(hold(), true, wallet(), null, captureCommand())), 'hold_expired', 'past expiresAt');
  t.equal(code(judgeCapture(hold({ status: 'expired' }), false, wallet(), null, captureCommand())), 'hold_expired');
  t.equal(code(judgeCapture(hold({ status: 'voided' }), true, wallet(), null, captureCommand())), 'hold_not_active');
  t.equal(code(judgeCapture(hold(), false, wallet(), null, captureCommand({ amount: 801 }))), 'capture_exceeds_hold');
  t.equal(code(judgeCapture(hold(), false, wallet(), null, captureCommand({ amount: 800 }))), 'ok');
  const to = (overrides: Loose<Wallet> = {}) => wallet({ id: 'w-b', userId: 'bob', balance: 0, ...overrides });
  const into = captureCommand({ toWalletId: 'w-b' });
  t.equal(code(judgeCapture(hold(), false, wallet(), null, into)), 'wallet_not_found');
  t.equal(code(judgeCapture(hold(), false, wallet(), wallet(), captureCommand({ toWalletId: 'w-a' }))), 'same_wallet');
  t.equal(code(judgeCapture(hold(), false, wallet(), to({ currency: 'EUR' }), into)), 'currency_mismatch');
  t.equal(code(judgeCapture(hold(), false, wallet(), to({ balance: 9_201 }), into)), 'balance_limit_exceeded');
  t.equal(code(judgeCapture(hold(), false, wallet(), to(), into)), 'ok', "another user's wallet may receive it");
  t.equal(
    code(
      judgeVoid(hold({ status: 'captured' }), false, {
        ...context,
        holdId: 'h-1',
        metadata: {},
        eventId: 'e',
      } as VoidHoldCommand),
    ),
    'hold_not_active',
  );
});

t.test('reversal verdicts: ownership, what is left, both sides', async (t) => {
  const entry = (overrides: Loose<StoredTransaction> = {}): StoredTransaction =>
    ({
      id: 't-1',
      walletId: 'w-a',
      type: 'credit',
      amount: 500,
      balanceBefore: 0,
      balanceAfter: 500,
      status: 'completed',
      reversedAmount: 0,
      metadata: {},
      createdAt: NOW,
      seq: 1,
      ...overrides,
    }) as StoredTransaction;
  const command = (amount?: number): ReverseCommand =>
    ({
      ...context,
      originalId: 't-1',
      amount,
      metadata: {},
      reversalId: 'r-1',
      counterpartId: 'r-2',
      maxBalance: 10_000,
    }) as ReverseCommand;
  t.equal(code(judgeReversal(null, null, null, command())), 'transaction_not_found');
  t.equal(code(judgeReversal(entry(), wallet({ userId: 'bob' }), null, command())), 'transaction_not_found');
  t.equal(
    code(judgeReversal(entry({ type: 'transfer_out' }), wallet(), wallet({ id: 'w-b' }), command())),
    'not_reversible',
  );
  t.equal(code(judgeReversal(entry({ type: 'reversal' }), wallet(), null, command())), 'not_reversible');
  t.equal(
    code(judgeReversal(entry({ reversedAmount: 400 }), wallet(), null, command(101))),
    'reversal_exceeds_original',
  );
  t.equal(code(judgeReversal(entry({ reversedAmount: 500 }), wallet(), null, command())), 'reversal_exceeds_original');
  t.same(judgeReversal(entry({ reversedAmount: 400 }), wallet(), null, command()).plan, { amount: 100, delta: -100 });
  t.equal(code(judgeReversal(entry(), wallet({ heldBalance: 600 }), null, command(500))), 'insufficient_funds');
  const debit = judgeReversal(entry({ type: 'debit' }), wallet(), null, command(200));
  t.same(debit.plan, { amount: 200, delta: 200 }, 'a debit comes back');
  const sender = wallet({ id: 'w-s', userId: 'sam', balance: 9_900 });
  t.equal(
    code(judgeReversal(entry({ type: 'transfer_in' }), wallet(), sender, command(200))),
    'balance_limit_exceeded',
  );
  t.equal(counterpartType('transfer_in'), 'transfer_out');
  t.equal(counterpartType('capture'), 'capture_in');
  t.equal(counterpartType('capture_in'), 'capture');
  t.equal(counterpartType('credit'), null);
});
