// Goal: every store refuses for the same reasons in the same order, and the entries a rule
// produces add up. Method: the pure rule functions on hand-made wallets and commands.
import t from 'tap';
import {
  ERRORS,
  REMEMBERED_REFUSALS,
  ERROR_CODES,
  minor,
  type BalanceCommand,
  type TransferCommand,
  type Wallet,
} from '../src/index.js';
import { balanceChangeOf, isRemembered, judgeBalanceChange, judgeTransfer, refusalReply } from '../src/store-kit.js';

const NOW = '2030-01-01T00:00:00.000Z';
const wallet = (overrides: Partial<Omit<Wallet, 'availableBalance'>> = {}): Wallet => {
  const fields = {
    id: 'w-a',
    userId: 'alice',
    currency: 'USD',
    balance: minor(1000),
    heldBalance: minor(0),
    version: 3,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
  return { ...fields, availableBalance: minor(fields.balance - fields.heldBalance) };
};
const context = { userId: 'alice', requestId: 'r-1', ip: '127.0.0.1', now: '2030-01-02T00:00:00.000Z' };
const balanceCommand = (overrides: Partial<BalanceCommand> = {}): BalanceCommand => ({
  ...context,
  kind: 'debit',
  walletId: 'w-a',
  amount: minor(400),
  metadata: { a: '1' },
  transactionId: 'tx-1',
  maxBalance: minor(Number.MAX_SAFE_INTEGER),
  ...overrides,
});
const transferCommand = (overrides: Partial<TransferCommand> = {}): TransferCommand => ({
  ...context,
  fromWalletId: 'w-a',
  toWalletId: 'w-b',
  amount: minor(400),
  metadata: {},
  transferId: 'tr-1',
  debitId: 'd-1',
  creditId: 'c-1',
  maxBalance: minor(Number.MAX_SAFE_INTEGER),
  ...overrides,
});
const codeOf = (verdict: { ok: boolean; code?: string }) => (verdict.ok ? 'ok' : verdict.code);

t.test('credit and debit verdicts, in order', async (t) => {
  t.equal(codeOf(judgeBalanceChange(null, balanceCommand())), 'wallet_not_found', 'missing');
  t.equal(
    codeOf(judgeBalanceChange(wallet({ userId: 'bob' }), balanceCommand())),
    'wallet_not_found',
    "someone else's: 404, not 403",
  );
  t.equal(codeOf(judgeBalanceChange(wallet(), balanceCommand({ expectedVersion: 2 }))), 'version_mismatch');
  t.equal(
    codeOf(judgeBalanceChange(wallet({ balance: minor(0) }), balanceCommand({ expectedVersion: 2 }))),
    'version_mismatch',
    'the version is judged before the funds',
  );
  t.equal(codeOf(judgeBalanceChange(wallet(), balanceCommand({ expectedVersion: 3 }))), 'ok');
  t.equal(codeOf(judgeBalanceChange(wallet({ balance: minor(399) }), balanceCommand())), 'insufficient_funds');
  t.equal(
    codeOf(judgeBalanceChange(wallet({ balance: minor(400) }), balanceCommand())),
    'ok',
    'a debit may empty the wallet',
  );
  t.equal(
    codeOf(judgeBalanceChange(wallet({ balance: minor(0) }), balanceCommand({ kind: 'credit' }))),
    'ok',
    'credits need no funds',
  );
  t.equal(
    codeOf(
      judgeBalanceChange(wallet({ balance: minor(601) }), balanceCommand({ kind: 'credit', maxBalance: minor(1000) })),
    ),
    'balance_limit_exceeded',
  );
  t.equal(
    codeOf(
      judgeBalanceChange(wallet({ balance: minor(600) }), balanceCommand({ kind: 'credit', maxBalance: minor(1000) })),
    ),
    'ok',
    'reaching the limit is fine',
  );
});

t.test('transfer verdicts, in order', async (t) => {
  const to = wallet({ id: 'w-b', userId: 'bob', balance: minor(0), version: 0 });
  t.equal(codeOf(judgeTransfer(null, to, transferCommand())), 'wallet_not_found');
  t.equal(
    codeOf(judgeTransfer(wallet({ userId: 'bob' }), to, transferCommand())),
    'wallet_not_found',
    "source must be the caller's",
  );
  t.equal(codeOf(judgeTransfer(wallet(), null, transferCommand())), 'wallet_not_found', 'destination missing');
  t.equal(codeOf(judgeTransfer(wallet(), wallet(), transferCommand({ toWalletId: 'w-a' }))), 'same_wallet');
  t.equal(
    codeOf(judgeTransfer(wallet({ balance: minor(0) }), { ...to, currency: 'EUR' }, transferCommand())),
    'currency_mismatch',
    'currency before funds',
  );
  t.equal(
    codeOf(judgeTransfer(wallet({ balance: minor(0) }), to, transferCommand({ expectedVersion: 1 }))),
    'version_mismatch',
    'version before funds',
  );
  t.equal(codeOf(judgeTransfer(wallet({ balance: minor(399) }), to, transferCommand())), 'insufficient_funds');
  t.equal(
    codeOf(judgeTransfer(wallet(), { ...to, balance: minor(601) }, transferCommand({ maxBalance: minor(1000) }))),
    'balance_limit_exceeded',
    "the destination's ceiling",
  );
  t.equal(
    codeOf(judgeTransfer(wallet(), to, transferCommand({ expectedVersion: 3 }))),
    'ok',
    "crediting another user's wallet is allowed",
  );
});

t.test("remembered refusals are exactly the registry's list", async (t) => {
  const remembered = ERROR_CODES.filter((code) => isRemembered(code));
  t.same([...remembered].sort(), [...REMEMBERED_REFUSALS].sort());
  for (const code of [
    'wallet_not_found',
    'version_mismatch',
    'validation_failed',
    'concurrent_modification',
    'same_wallet',
  ] as const) {
    t.notOk(isRemembered(code), `${code} may be retried with the same key`);
  }
  for (const code of REMEMBERED_REFUSALS) {
    const { statusCode, body } = refusalReply(code, 'why');
    t.equal(statusCode, ERRORS[code].status, `${code} keeps its registry status`);
    t.same(body, { error: { code, detail: 'why' } });
  }
});

t.test('balanceChangeOf produces a wallet and an entry that add up', async (t) => {
  const debit = balanceChangeOf(wallet(), balanceCommand());
  t.same(debit.wallet, {
    ...wallet(),
    balance: minor(600),
    availableBalance: minor(600),
    version: 4,
    updatedAt: context.now,
  });
  t.same(debit.entry, {
    id: 'tx-1',
    walletId: 'w-a',
    type: 'debit',
    amount: minor(400),
    balanceBefore: minor(1000),
    balanceAfter: minor(600),
    status: 'completed',
    reversedAmount: 0,
    metadata: { a: '1' },
    createdAt: context.now,
  });
  const credit = balanceChangeOf(wallet(), balanceCommand({ kind: 'credit' }));
  t.equal(credit.wallet.balance, 1400);
  t.equal(credit.entry.balanceAfter, 1400);
  t.equal(credit.entry.type, 'credit');
  t.equal(wallet().balance, 1000, 'the input wallet is not mutated');
});
