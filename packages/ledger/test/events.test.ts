// Goal: each ledger entry maps to exactly one outbox event carrying its id, and audit events
// copy the write's context. Method: the pure mapping functions.
import t from 'tap';
import { minor, type TransferCommand, type Wallet } from '../src/index.js';
import { actionOf, auditEventFor, outboxEventFor, transferEntries } from '../src/store-kit.js';

const NOW = '2030-01-01T00:00:00.000Z';
const from: Wallet = {
  id: 'w-a',
  userId: 'alice',
  currency: 'USD',
  balance: minor(1000),
  heldBalance: minor(0),
  availableBalance: minor(1000),
  version: 1,
  createdAt: NOW,
  updatedAt: NOW,
};
const to: Wallet = { ...from, id: 'w-b', userId: 'bob', balance: minor(5) };
const command: TransferCommand = {
  userId: 'alice',
  requestId: 'r-1',
  ip: '10.0.0.1',
  now: NOW,
  fromWalletId: 'w-a',
  toWalletId: 'w-b',
  amount: minor(300),
  metadata: {},
  transferId: 'tr-1',
  debitId: 'd-1',
  creditId: 'c-1',
  maxBalance: minor(Number.MAX_SAFE_INTEGER),
};

t.test('transfer legs and their events', async (t) => {
  const { debit, credit } = transferEntries(from, to, command);
  t.match(debit, {
    id: 'd-1',
    walletId: 'w-a',
    type: 'transfer_out',
    amount: minor(300),
    balanceBefore: minor(1000),
    balanceAfter: minor(700),
    transferId: 'tr-1',
  });
  t.match(credit, {
    id: 'c-1',
    walletId: 'w-b',
    type: 'transfer_in',
    amount: minor(300),
    balanceBefore: minor(5),
    balanceAfter: minor(305),
    transferId: 'tr-1',
  });
  t.same(outboxEventFor(debit, from), {
    id: 'd-1',
    type: 'transfer.completed',
    userId: 'alice',
    walletId: 'w-a',
    transactionId: 'd-1',
    transferId: 'tr-1',
    direction: 'out',
    currency: 'USD',
    amount: minor(300),
    balanceAfter: minor(700),
    occurredAt: NOW,
  });
  t.match(
    outboxEventFor(credit, to),
    { id: 'c-1', userId: 'bob', direction: 'in', balanceAfter: minor(305) },
    'the recipient gets the incoming leg',
  );
});

t.test('credit and debit events', async (t) => {
  const entry = {
    id: 'tx',
    walletId: 'w-a',
    type: 'credit' as const,
    amount: minor(7),
    balanceBefore: minor(0),
    balanceAfter: minor(7),
    status: 'completed' as const,
    reversedAmount: minor(0),
    metadata: {},
    createdAt: NOW,
  };
  const credited = outboxEventFor(entry, from);
  t.equal(credited.type, 'wallet.credited');
  t.notOk('transferId' in credited || 'direction' in credited, 'no transfer fields');
  t.equal(
    outboxEventFor({ ...entry, type: 'debit', balanceBefore: minor(7), balanceAfter: minor(0) }, from).type,
    'wallet.debited',
  );
});

t.test('audit events copy the context', async (t) => {
  t.same(auditEventFor(command, 'transfer.create', 'ok', { id: 'a-1', walletId: 'w-a', amount: minor(300) }), {
    id: 'a-1',
    actor: 'alice',
    ip: '10.0.0.1',
    action: 'transfer.create',
    walletId: 'w-a',
    amount: minor(300),
    outcome: 'ok',
    requestId: 'r-1',
    createdAt: NOW,
  });
  t.match(auditEventFor(command, 'wallet.create', 'wallet_exists', { id: 'a-2' }), { walletId: null, amount: null });
  t.equal(actionOf(command), 'transfer.create');
  t.equal(actionOf({ ...command, kind: 'debit', walletId: 'w-a', transactionId: 'x' }), 'wallet.debit');
});
