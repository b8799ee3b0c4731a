import type { Test } from 'tap';
import {
  auditEventFor,
  captureReply,
  holdCreatedReply,
  holdEventFor,
  holdVoidedReply,
  outboxEventFor,
  reversalReply,
} from '../shapes.js';
import type { AuditEvent, Hold, HoldResult, StoredHold, StoredTransaction, Wallet } from '../types.js';
import type { Caller, WriteResult } from '../ledger-service.js';
import { storeCases, type ContractTarget } from './harness.js';
import { callerOf, fundedWallet, newKey } from './service-calls.js';
import { allEntries, checkReplyAndRecord, keyedWriter } from './ledger-checks.js';
import { sleepMs } from './hold-harness.js';

const publicHold = ({ userId: _userId, seq: _seq, ...hold }: StoredHold): Hold => hold;
const publicEntry = ({ seq: _seq, ...entry }: StoredTransaction) => entry;

/**
 * Holds and reversals leave the shapes the ledger defines (shapes.ts): replies, records, one
 * outbox event per entry or hold change (hold.created / captured / voided / expired,
 * transaction.reversed), and one audit row per write, all written with the change.
 */
export function holdShapeCases(t: Test, target: ContractTarget): void {
  const storeCase = storeCases(t, target);
  storeCase('shapes: hold and reversal replies, records, events and audit rows', async ({ store, service }, t) => {
    const payer = await fundedWallet(service, 1000);
    const payee = await fundedWallet(service, 0);
    const caller = callerOf(payer.userId);
    const write = keyedWriter(caller);
    const holdFor = async (result: WriteResult) =>
      publicHold((await store.getHold((result.body as { data: HoldResult }).data.hold.id))!);
    const walletNow = (wallet: Wallet) => service.getWallet(wallet.userId, wallet.id);
    await store.claimOutbox({ limit: 1000, leaseMs: 60_000, owner: 'before' }); // the funding credits

    const holdInput = { walletId: payer.wallet.id, amount: 600, metadata: { order: 'o-1' } };
    const placed = await write('hold.create', holdInput, (key) =>
      service.createHold(caller, holdInput, { idempotencyKey: key }),
    );
    const hold = await holdFor(placed.result);
    await checkReplyAndRecord(t, store, placed, holdCreatedReply(hold, await walletNow(payer.wallet)));

    const captureInput = { holdId: hold.id, amount: 250, toWalletId: payee.wallet.id };
    const captured = await write('hold.capture', captureInput, (key) =>
      service.captureHold(caller, hold.id, { amount: 250, toWalletId: payee.wallet.id }, { idempotencyKey: key }),
    );
    const [debit] = (await allEntries(store, payer.wallet.id)).map(publicEntry);
    const [credit] = (await allEntries(store, payee.wallet.id)).map(publicEntry);
    const capturedHold = publicHold((await store.getHold(hold.id))!);
    await checkReplyAndRecord(
      t,
      store,
      captured,
      captureReply(capturedHold, debit!, await walletNow(payer.wallet), credit!),
    );

    const second = await service.createHold(
      caller,
      { walletId: payer.wallet.id, amount: 100 },
      { idempotencyKey: newKey() },
    );
    const secondHold = await holdFor(second);
    const voided = await write('hold.void', { holdId: secondHold.id }, (key) =>
      service.voidHold(caller, secondHold.id, {}, { idempotencyKey: key }),
    );
    const voidedHold = publicHold((await store.getHold(secondHold.id))!);
    await checkReplyAndRecord(t, store, voided, holdVoidedReply(voidedHold, await walletNow(payer.wallet)));

    const payeeCaller = callerOf(payee.userId);
    const reversed = await service.reverseTransaction(
      payeeCaller,
      credit!.id,
      { amount: 50 },
      { idempotencyKey: newKey() },
    );
    const [payeeReversal] = (await allEntries(store, payee.wallet.id)).map(publicEntry);
    const [payerReversal, capture] = (await allEntries(store, payer.wallet.id)).map(publicEntry);
    const original = (await allEntries(store, payee.wallet.id))
      .map(publicEntry)
      .find((entry) => entry.id === credit!.id)!;
    t.strictSame(
      { statusCode: reversed.statusCode, body: reversed.body },
      reversalReply(payeeReversal!, original, await walletNow(payee.wallet)),
      'transaction.reverse reply',
    );
    t.equal(capture!.reversedAmount, 50, 'the other side of the capture says so too');

    const expiring = await service.createHold(
      caller,
      { walletId: payer.wallet.id, amount: 10, expiresInSeconds: 1 },
      { idempotencyKey: newKey() },
    );
    const expiringHold = await holdFor(expiring);
    await sleepMs(Date.parse(expiringHold.expiresAt) - Date.now() + 50);
    t.equal(await service.expireHolds({ limit: 10 }), 1, 'the sweep releases the due hold');
    const expiredHold = publicHold((await store.getHold(expiringHold.id))!);

    const payerWallet = await walletNow(payer.wallet);
    const payeeWallet = await walletNow(payee.wallet);
    const events = await store.claimOutbox({ limit: 1000, leaseMs: 60_000, owner: 'hold-shapes' });
    const byType = (type: string) => events.filter((event) => event.type === type);
    t.strictSame(
      byType('hold.created').map((event) => event.holdId),
      [hold.id, secondHold.id, expiringHold.id],
    );
    const createdEvent = byType('hold.created')[0]!;
    t.strictSame(
      createdEvent,
      holdEventFor(
        'hold.created',
        createdEvent.id,
        hold,
        { ...payer.wallet, balance: payer.wallet.balance },
        hold.createdAt,
      ),
      'hold.created payload',
    );
    t.strictSame(
      byType('hold.captured'),
      [outboxEventFor(debit!, payerWallet), outboxEventFor(credit!, payeeWallet)],
      'hold.captured payloads',
    );
    const voidedEvent = byType('hold.voided')[0]!;
    t.strictSame(
      voidedEvent,
      holdEventFor(
        'hold.voided',
        voidedEvent.id,
        voidedHold,
        { ...payerWallet, balance: debit!.balanceAfter },
        voidedHold.updatedAt,
      ),
      'hold.voided payload',
    );
    const expiredEvent = byType('hold.expired')[0]!;
    t.strictSame(
      expiredEvent,
      holdEventFor('hold.expired', expiredEvent.id, expiredHold, payerWallet, expiredHold.updatedAt),
      'hold.expired payload',
    );
    t.strictSame(
      byType('transaction.reversed').sort((a, b) => (a.id < b.id ? -1 : 1)),
      [outboxEventFor(payeeReversal!, payeeWallet), outboxEventFor(payerReversal!, payerWallet)].sort((a, b) =>
        a.id < b.id ? -1 : 1,
      ),
      'transaction.reversed payloads, one per side',
    );

    const audit = (await store.listAudit({ limit: 100 })).reverse();
    const row = (action: string) => audit.find((item) => item.action === action);
    const expect = (action: string, actor: Caller | null, walletId: string, amount: number): AuditEvent | undefined => {
      const found = row(action);
      const context = actor ?? { userId: 'system', ip: '-', requestId: found?.requestId ?? '' };
      return (
        found &&
        auditEventFor({ ...context, now: found.createdAt }, action, 'ok', {
          id: found.id,
          walletId,
          amount: amount as AuditEvent['amount'],
        })
      );
    };
    t.strictSame(
      row('hold.create'),
      expect('hold.create', placed.caller, payer.wallet.id, 600),
      'hold.create audit row',
    );
    t.strictSame(
      row('hold.capture'),
      expect('hold.capture', captured.caller, payer.wallet.id, 250),
      'hold.capture audit row',
    );
    t.strictSame(row('hold.void'), expect('hold.void', voided.caller, payer.wallet.id, 100), 'hold.void audit row');
    t.strictSame(
      row('transaction.reverse'),
      expect('transaction.reverse', payeeCaller, payee.wallet.id, 50),
      'transaction.reverse audit row',
    );
    t.strictSame(row('hold.expire'), expect('hold.expire', null, payer.wallet.id, 10), 'hold.expire audit row');
  });
}
