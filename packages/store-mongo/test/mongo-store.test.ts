// Goal: MongoStore validates its options, never leaks driver messages, and answers
// StoreUnavailable within its time bound when MongoDB cannot be reached. Method: real
// connection attempts to a closed loopback port (no server, no mock), plus the error
// translation and option helpers on real driver error classes.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { freePort } from '../../../test/support/free-port.js';
import { MongoError, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { StoreUnavailable, VersionConflict, minor } from '@wallet/ledger';
import { MongoStore } from '../src/index.js';
import { clientOptions, databaseNameOf, validateOptions } from '../src/options.js';
import { isDuplicateKey, isUnavailable, isWriteConflict, translateError } from '../src/mongo-errors.js';

const valid = { url: 'mongodb://127.0.0.1:27017/?replicaSet=rs0', poolMax: 10, operationTimeoutMs: 5000 };

t.test('options are validated before anything connects', async (t) => {
  t.doesNotThrow(() => validateOptions(valid));
  const bad: Array<[string, object]> = [
    ['http URL', { url: 'http://127.0.0.1:27017' }],
    ['empty URL', { url: '' }],
    ['pool of 0', { poolMax: 0 }],
    ['pool too large', { poolMax: 501 }],
    ['fractional pool', { poolMax: 2.5 }],
    ['timeout too short', { operationTimeoutMs: 99 }],
    ['timeout too long', { operationTimeoutMs: 600_001 }],
    ['db name with a dot', { dbName: 'a.b' }],
    ['db name too long', { dbName: 'x'.repeat(64) }],
  ];
  for (const [name, override] of bad) {
    t.throws(() => new MongoStore({ ...valid, ...override }), /MongoStore: /, name);
  }
});

t.test('the database name comes from the option, then the URL path, then "wallet"', async (t) => {
  t.equal(databaseNameOf({ ...valid, dbName: 'explicit' }), 'explicit');
  t.equal(databaseNameOf({ ...valid, url: 'mongodb://a:1,b:2/ledger?replicaSet=rs0' }), 'ledger', 'multi-host URL');
  t.equal(databaseNameOf({ ...valid, url: 'mongodb+srv://user:pw@cluster.example.test/prod' }), 'prod');
  t.equal(databaseNameOf(valid), 'wallet');
  t.equal(databaseNameOf({ ...valid, url: 'mongodb://h:1/' }), 'wallet');
  t.throws(() => databaseNameOf({ ...valid, url: 'mongodb://h:1/bad.name' }), /database in the URL/);
  t.equal(new MongoStore({ ...valid, dbName: 'named' }).dbName, 'named');
});

t.test('driver settings are explicit and keep int64 as Long', async (t) => {
  const options = clientOptions({ ...valid, poolMax: 7, operationTimeoutMs: 1234 });
  t.match(options, {
    maxPoolSize: 7,
    serverSelectionTimeoutMS: 1234,
    connectTimeoutMS: 1234,
    waitQueueTimeoutMS: 1234,
    promoteLongs: false,
    readPreference: 'primary',
    readConcern: { level: 'majority' },
    writeConcern: { w: 'majority' },
    retryWrites: true,
  });
  t.ok(options.socketTimeoutMS! > 1234 * 10, 'the socket outlives the longest server-side bound');
});

t.test('driver errors: unavailability becomes StoreUnavailable without the driver message', async (t) => {
  const secret = 'connect ECONNREFUSED 10.1.2.3:27017 user=admin';
  const network = new MongoNetworkError(secret);
  t.ok(isUnavailable(network));
  const translated = translateError(network);
  t.type(translated, StoreUnavailable);
  t.notMatch((translated as Error).message, /10\.1\.2\.3|admin|ECONNREFUSED/, 'no host, user or driver text');
  t.notOk((translated as Error).cause, 'the driver error is not attached either');

  const stepDown = new MongoServerError({ message: secret, code: 10107, codeName: 'NotWritablePrimary' });
  t.match((translateError(stepDown) as Error).message, /NotWritablePrimary/, 'the code name says what happened');
  const labelled = new MongoServerError({
    message: secret,
    code: 251,
    codeName: 'NoSuchTransaction',
    errorLabels: ['TransientTransactionError'],
  });
  t.type(translateError(labelled), StoreUnavailable);

  const duplicate = new MongoServerError({ message: secret, code: 11000 });
  t.ok(isDuplicateKey(duplicate));
  t.notOk(isUnavailable(duplicate));
  t.equal(translateError(duplicate), duplicate, 'a duplicate key is not an outage');
  t.ok(isWriteConflict(new MongoServerError({ message: 'x', code: 112 })));
  const conflict = new VersionConflict('lost');
  t.equal(translateError(conflict), conflict, 'domain errors pass through');
  t.notOk(isUnavailable(new MongoError('x')), 'an unlabelled generic error is a bug, not an outage');
  t.ok(isUnavailable(new MongoServerSelectionError('x', { type: 'Unknown' } as never)));
});

t.test('an unreachable server answers StoreUnavailable within the time bound', async (t) => {
  const port = await freePort();
  const timeoutMs = 300;
  const store = new MongoStore({
    url: `mongodb://127.0.0.1:${port}/?replicaSet=rs0`,
    poolMax: 2,
    operationTimeoutMs: timeoutMs,
  });
  t.teardown(() => store.close());
  const bounded = async (name: string, call: () => Promise<unknown>, boundMs: number) => {
    const startedMs = performance.now();
    const error = await call().then(
      () => null,
      (caught: unknown) => caught,
    );
    const elapsedMs = performance.now() - startedMs;
    t.type(error, StoreUnavailable, `${name}: StoreUnavailable`);
    t.notMatch((error as Error).message, new RegExp(String(port)), `${name}: no address in the message`);
    t.ok(elapsedMs < boundMs, `${name}: answered in ${Math.round(elapsedMs)} ms (< ${boundMs})`);
  };
  await bounded('ready', () => store.ready(), 3000);
  // The driver leaves a client whose first connect failed closed; the store must try again.
  const retryStartedMs = performance.now();
  await bounded('ping', () => store.ping(), 3000);
  t.ok(
    performance.now() - retryStartedMs >= timeoutMs * 0.8,
    'ping tried to connect again (waited for server selection)',
  );
  await bounded('findWallet', () => store.findWallet(randomUUID()), 3000);
  const now = new Date().toISOString();
  // A money write retries transient errors inside its transaction, bounded by twice the timeout.
  await bounded(
    'credit',
    () =>
      store.applyBalanceChange({
        kind: 'credit',
        walletId: randomUUID(),
        amount: minor(5),
        metadata: {},
        transactionId: randomUUID(),
        maxBalance: minor(Number.MAX_SAFE_INTEGER),
        userId: 'u',
        requestId: 'r',
        ip: '127.0.0.1',
        now,
        idempotency: { key: 'k', fingerprint: 'f', expiresAt: now },
      }),
    3000,
  );
  await store.close();
  await bounded('after close', () => store.findWallet(randomUUID()), 100);
});
