import type { Db, MongoClientOptions } from 'mongodb';

export interface MongoStoreOptions {
  /** MongoDB URL of a replica set (`?replicaSet=rs0`) or a mongos; a standalone is refused. */
  url: string;
  /** Database name. Default: the database in the URL's path, else "wallet". */
  dbName?: string;
  /** Connections per process (driver `maxPoolSize`), 1–500. */
  poolMax: number;
  /**
   * Bound on one operation (server `maxTimeMS`), on server selection and on connecting, and
   * on the attempts of one transaction (see transaction.ts), in ms: 100–600000.
   */
  operationTimeoutMs: number;
}

/** MongoDB refuses database names with these characters, or longer than 63 bytes. */
const DB_NAME_PATTERN = /^[A-Za-z0-9_-]{1,63}$/;
const DB_NAME_DEFAULT = 'wallet';

/** The integer options and their inclusive ranges (as documented on MongoStoreOptions). */
const INTEGER_RANGES: ReadonlyArray<readonly ['poolMax' | 'operationTimeoutMs', number, number]> = [
  ['poolMax', 1, 500],
  ['operationTimeoutMs', 100, 600_000],
];

export function validateOptions(options: MongoStoreOptions): void {
  if (typeof options.url !== 'string' || !/^mongodb(\+srv)?:\/\//.test(options.url)) {
    throw new Error('MongoStore: url must be a mongodb:// or mongodb+srv:// URL');
  }
  for (const [name, min, max] of INTEGER_RANGES) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`MongoStore: ${name} must be an integer in ${min}..${max}`);
    }
  }
  if (options.dbName !== undefined && !DB_NAME_PATTERN.test(options.dbName)) {
    throw new Error('MongoStore: dbName must be 1-63 letters, digits, "_" or "-"');
  }
}

/** Aggregations (reconciliation) scan many entries: they get this many point-operation budgets. */
const LONG_OPERATION_FACTOR = 12;
/** Room for the server to report its own maxTimeMS expiry before the socket gives up. */
const SOCKET_MARGIN_MS = 2000;
/** Idle connections are closed after a minute, so a quiet process does not pin server resources. */
const IDLE_CONNECTION_MS = 60_000;
/** Connections opened at once per pool (the driver's documented default, set explicitly). */
const CONNECTING_MAX = 2;

export const longTimeoutMs = (operationTimeoutMs: number): number => operationTimeoutMs * LONG_OPERATION_FACTOR;

/**
 * Driver settings, all explicit. Reads outside transactions use the primary with majority
 * read concern (a history page after a write's reply sees that write); writes outside
 * transactions (audit, webhooks, reports) wait for a majority. Int64 values stay `Long`
 * (`promoteLongs: false`) so mapping.ts checks every one before it becomes a number.
 */
export function clientOptions(options: MongoStoreOptions): MongoClientOptions {
  const timeoutMs = options.operationTimeoutMs;
  return {
    appName: 'wallet',
    maxPoolSize: options.poolMax,
    minPoolSize: 0,
    maxConnecting: CONNECTING_MAX,
    maxIdleTimeMS: IDLE_CONNECTION_MS,
    waitQueueTimeoutMS: timeoutMs,
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: longTimeoutMs(timeoutMs) + SOCKET_MARGIN_MS,
    retryReads: true,
    retryWrites: true,
    readPreference: 'primary',
    readConcern: { level: 'majority' },
    writeConcern: { w: 'majority', wtimeoutMS: timeoutMs },
    promoteLongs: false,
  };
}

/** The database to use: the explicit option, else the URL's path, else "wallet". */
export function databaseNameOf(options: MongoStoreOptions): string {
  if (options.dbName !== undefined) return options.dbName;
  // Hosts may be a comma-separated list, which WHATWG URL cannot parse: read the path by hand.
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(options.url)?.[1];
  if (!path) return DB_NAME_DEFAULT;
  const name = decodeURIComponent(path);
  if (!DB_NAME_PATTERN.test(name))
    throw new Error('MongoStore: the database in the URL must be 1-63 letters, digits, "_" or "-"');
  return name;
}

/**
 * Multi-document transactions need a replica set (hello reports `setName`) or a mongos
 * (`msg: "isdbgrid"`). A standalone would fail on the first money write; refuse at start.
 */
export async function assertReplicaSet(db: Db): Promise<void> {
  const hello = await db.admin().command({ hello: 1 });
  const isReplicaSet = typeof hello.setName === 'string' && hello.setName.length > 0;
  const isMongos = hello.msg === 'isdbgrid';
  if (!isReplicaSet && !isMongos) {
    throw new Error(
      'MongoStore: the MongoDB server is not a replica set member (hello has no setName). ' +
        'Transactions need a replica set: start mongod with --replSet rs0, run rs.initiate(), and add ?replicaSet=rs0 to MONGO_URL.',
    );
  }
}
