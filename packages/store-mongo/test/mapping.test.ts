// Goal: documents keep money as exact BSON int64 and map back to the same domain values.
// Method: round trips through mapping.ts and through real BSON bytes read with the store's
// options (no server needed), and refusals of every value that is not a safe int64/int32
// integer (a hand-written BSON double included) or a valid time.
import t from 'tap';
import { BSON, Double, Int32, Long } from 'mongodb';
import {
  InvariantViolation,
  minor,
  type Minor,
  type AuditEvent,
  type IdempotencyRecord,
  type OutboxEvent,
  type ReconciliationReport,
  type Transaction,
  type Wallet,
  type WebhookEndpoint,
} from '@wallet/ledger';
import {
  auditFromDoc,
  auditToDoc,
  entryFromDoc,
  entryToDoc,
  DOC_READ,
  fromDate,
  fromLong,
  outboxFromDoc,
  outboxToDoc,
  recordFromDoc,
  recordToDoc,
  reportFromDoc,
  reportToDoc,
  toDate,
  toLong,
  walletFromDoc,
  walletToDoc,
  webhookFromDoc,
  webhookToDoc,
} from '../src/mapping.js';

const NOW = '2030-01-02T03:04:05.678Z';
const wallet: Wallet = {
  id: '0b4f3c2e-8a51-4f8e-9a43-6c1d2b7e9f10',
  userId: 'user_1',
  currency: 'USD',
  balance: minor(Number.MAX_SAFE_INTEGER),
  heldBalance: minor(5),
  availableBalance: minor(Number.MAX_SAFE_INTEGER - 5),
  version: 7,
  createdAt: NOW,
  updatedAt: '2030-01-03T00:00:00.000Z',
};
const entry: Transaction = {
  id: '1c5f4d3e-9b62-4a9f-8b54-7d2e3c8f0a21',
  walletId: wallet.id,
  type: 'transfer_in',
  amount: minor(250),
  balanceBefore: minor(1000),
  balanceAfter: minor(1250),
  status: 'completed',
  transferId: '2d6a5e4f-0c73-4bab-9c65-8e3f4d9a1b32',
  reversedAmount: minor(100),
  metadata: { 'a.b': 'dotted', order: 'o-1', z: 'last' },
  createdAt: NOW,
};

/** Serialises to BSON bytes and reads them back as the store's reads do (client promoteLongs off, DOC_READ). */
const throughBson = <T extends object>(doc: T): T =>
  BSON.deserialize(BSON.serialize(doc), { promoteLongs: false, ...DOC_READ }) as T;

t.test('toLong takes safe integers only', async (t) => {
  t.ok(toLong(Number.MAX_SAFE_INTEGER, 'x').equals(Long.fromString('9007199254740991')));
  t.ok(toLong(0, 'x').isZero());
  t.equal(toLong(-5, 'x').toNumber(), -5);
  for (const bad of [1.5, Number.NaN, Infinity, 2 ** 53, -(2 ** 53), 0.1 + 0.2]) {
    t.throws(() => toLong(bad, 'amount'), InvariantViolation, `refuses ${bad}`);
  }
});

t.test('fromLong refuses what would not be an exact number', async (t) => {
  t.equal(fromLong(Long.fromString('9007199254740991'), 'x'), Number.MAX_SAFE_INTEGER);
  t.equal(fromLong(Long.fromString('-9007199254740991'), 'x'), -Number.MAX_SAFE_INTEGER);
  t.equal(fromLong(new Int32(42), 'x'), 42, 'an int32 (aggregation count) is accepted');
  t.throws(() => fromLong(Long.fromString('9007199254740992'), 'balance'), InvariantViolation, '2^53 is refused');
  t.throws(() => fromLong(Long.MAX_VALUE, 'balance'), InvariantViolation);
  t.throws(() => fromLong(Long.fromString('-9007199254740993'), 'balance'), InvariantViolation);
  for (const bad of [1.5, '12', null, undefined, 2 ** 60, {}, 100, new Double(100), new Double(1.5)])
    t.throws(() => fromLong(bad, 'balance'), InvariantViolation, `refuses ${String(bad)}`);
});

t.test('a balance written by hand as a BSON double is refused when read back', async (t) => {
  const stored = walletToDoc(wallet);
  const asDouble = throughBson({ ...stored, balance: new Double(100) as unknown as Long });
  t.type(asDouble.balance, Double, 'the store reads keep the double as a Double');
  t.throws(() => walletFromDoc(asDouble), InvariantViolation, 'a double balance never becomes money');
  // The BSON serializer writes a JS integer beyond int32 as a double (as a shell script would).
  const plainDouble = throughBson({ ...stored, balance: (2 ** 40) as unknown as Long });
  t.type(plainDouble.balance, Double);
  t.throws(() => walletFromDoc(plainDouble), InvariantViolation, 'nor does a large JS number stored as a double');
  const asInt32 = throughBson({ ...stored, version: new Int32(7) as unknown as Long });
  t.equal(walletFromDoc(asInt32).version, 7, 'an int32 integer is accepted');
  t.equal(walletFromDoc(throughBson(stored)).balance, wallet.balance, 'the int64 original reads back exactly');
});

t.test('times are stored as dates and read back as the same ISO strings', async (t) => {
  t.equal(fromDate(toDate(NOW, 'x'), 'x'), NOW);
  t.throws(() => toDate('not a time', 'createdAt'), InvariantViolation);
  t.throws(
    () => fromDate('2030-01-01T00:00:00.000Z', 'createdAt'),
    InvariantViolation,
    'a string is not a stored date',
  );
  t.throws(() => fromDate(new Date(Number.NaN), 'createdAt'), InvariantViolation);
});

t.test('a wallet round-trips through BSON with int64 money', async (t) => {
  const doc = throughBson(walletToDoc(wallet));
  t.ok(Long.isLong(doc.balance), 'balance is int64 on the wire, not a double');
  t.ok(Long.isLong(doc.version));
  t.ok(doc.createdAt instanceof Date);
  t.equal(doc._id, wallet.id, 'the UUID is the _id');
  t.same(walletFromDoc(doc), wallet);
  t.equal(JSON.stringify(walletFromDoc(doc)), JSON.stringify(wallet), 'same key order as the domain type');
  t.throws(
    () => walletToDoc({ ...wallet, balance: 10.5 as Minor }),
    InvariantViolation,
    'a fractional balance never reaches the database',
  );
  t.throws(
    () => walletFromDoc({ ...doc, balance: Long.fromString('9007199254740993') }),
    InvariantViolation,
    'nor comes back from it',
  );
});

t.test('ledger entries round-trip, with and without a transfer id', async (t) => {
  const doc = throughBson(entryToDoc(entry, 8));
  for (const field of ['amount', 'balanceBefore', 'balanceAfter', 'seq'] as const)
    t.ok(Long.isLong(doc[field]), `${field} is int64`);
  t.same(
    doc.metadata,
    [
      { k: 'a.b', v: 'dotted' },
      { k: 'order', v: 'o-1' },
      { k: 'z', v: 'last' },
    ],
    'metadata kept as ordered pairs',
  );
  const back = entryFromDoc(doc);
  t.same(back, { ...entry, seq: 8 });
  t.same(Object.keys(back.metadata), ['a.b', 'order', 'z'], 'metadata key order survives');
  const { transferId: _transferId, ...credit } = { ...entry, type: 'credit' as const };
  const plain = entryFromDoc(throughBson(entryToDoc(credit, 1)));
  t.notOk('transferId' in plain, 'no transferId key on a credit');
  t.same(plain, { ...credit, seq: 1 });
});

t.test('an idempotency record keeps its body byte for byte', async (t) => {
  const record: IdempotencyRecord = {
    userId: wallet.userId,
    key: 'key-1',
    operation: 'wallet.credit',
    fingerprint: 'fp',
    statusCode: 200,
    body: { data: { transactionId: entry.id, wallet, transaction: entry } },
    requestId: 'req-1',
    createdAt: NOW,
    expiresAt: '2030-01-03T03:04:05.678Z',
  };
  const doc = throughBson(recordToDoc(record, 'doc-id'));
  t.equal(typeof doc.body, 'string', 'the body is stored as JSON text');
  const back = recordFromDoc(doc);
  t.same(back, record);
  t.equal(JSON.stringify(back.body), JSON.stringify(record.body), 'byte-identical replay');
  const refusal: IdempotencyRecord = {
    ...record,
    statusCode: 409,
    body: { error: { code: 'insufficient_funds', detail: 'balance 1 is less than 5' } },
  };
  t.same(recordFromDoc(recordToDoc(refusal, 'doc-2')), refusal);
  t.throws(() => recordFromDoc({ ...doc, body: '{"other":1}' }), InvariantViolation, 'a malformed body is refused');
});

t.test('outbox events round-trip with their wallet version; createdAt is left to the server', async (t) => {
  const event: OutboxEvent = {
    id: entry.id,
    type: 'transfer.completed',
    userId: wallet.userId,
    walletId: wallet.id,
    transactionId: entry.id,
    transferId: entry.transferId!,
    direction: 'in',
    currency: 'USD',
    amount: minor(250),
    balanceAfter: minor(1250),
    occurredAt: NOW,
  };
  const written = outboxToDoc(event, 8);
  t.notOk('createdAt' in written, 'no host time: the insert stamps createdAt with $currentDate');
  t.notOk('seq' in written, 'no host-clock claim key');
  const doc = throughBson({ ...written, createdAt: new Date() });
  t.equal(doc.publishedAt, null);
  t.equal(doc.claimedUntil, null);
  t.ok(Long.isLong(doc.walletVersion) && doc.walletVersion.toNumber() === 8, 'the wallet version as int64');
  t.same(outboxFromDoc(doc), event);
  const credited: OutboxEvent = { ...event, type: 'wallet.credited' };
  delete credited.transferId;
  delete credited.direction;
  const plain = outboxFromDoc(throughBson({ ...outboxToDoc(credited, 1), createdAt: new Date() }));
  t.notOk('transferId' in plain || 'direction' in plain, 'no transfer fields on a credit event');
  t.throws(() => outboxToDoc(event, 1.5), InvariantViolation, 'a fractional version is refused');
});

t.test('audit events, webhooks and reports round-trip', async (t) => {
  const audit: AuditEvent = {
    id: 'a1',
    actor: wallet.userId,
    ip: '127.0.0.1',
    action: 'wallet.debit',
    walletId: wallet.id,
    amount: minor(1000),
    outcome: 'insufficient_funds',
    requestId: 'req-2',
    createdAt: NOW,
  };
  t.same(auditFromDoc(throughBson(auditToDoc(audit))), audit);
  const bare: AuditEvent = { ...audit, walletId: null, amount: null };
  t.same(auditFromDoc(throughBson(auditToDoc(bare))), bare);
  const hook: WebhookEndpoint = {
    id: 'w1',
    userId: wallet.userId,
    url: 'https://example.test/h',
    events: ['wallet.credited'],
    secret: 'whsec_x',
    createdAt: NOW,
  };
  t.same(webhookFromDoc(throughBson(webhookToDoc(hook))), hook);
  const report: ReconciliationReport = {
    id: 'r1',
    startedAt: NOW,
    finishedAt: '2030-01-02T03:05:00.000Z',
    walletsChecked: 3,
    transfersChecked: 2,
    mismatches: [
      { kind: 'balance', walletId: wallet.id, detail: 'balance 651, entries 650' },
      { kind: 'transfer', transferId: 't1', detail: 'missing leg' },
    ],
  };
  const reportDoc = throughBson(reportToDoc(report));
  t.ok(Long.isLong(reportDoc.walletsChecked));
  t.same(reportFromDoc(reportDoc), report);
});
