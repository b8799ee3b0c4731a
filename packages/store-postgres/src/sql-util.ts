import pg from 'pg';
import { InvariantViolation, StoreUnavailable, VersionConflict } from '@wallet/ledger';

/** to_char format of ISO-8601 in UTC with milliseconds, exactly as Date.prototype.toISOString renders it. */
export const ISO_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export const isoSql = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_FORMAT})`;

/** JSON of a wallet row in the port's field order. */
export const walletJsonSql = (alias: string): string =>
  `json_build_object('id', ${alias}.id, 'userId', ${alias}.user_id, 'currency', ${alias}.currency, ` +
  `'balance', ${alias}.balance, 'heldBalance', ${alias}.held_balance, ` +
  `'availableBalance', ${alias}.balance - ${alias}.held_balance, ` +
  `'version', ${alias}.version, 'createdAt', ${isoSql(`${alias}.created_at`)}, ` +
  `'updatedAt', ${isoSql(`${alias}.updated_at`)})`;

/** JSON of a holds row in the port's field order. */
export const holdJsonSql = (alias: string): string =>
  `json_build_object('id', ${alias}.id, 'walletId', ${alias}.wallet_id, 'amount', ${alias}.amount, ` +
  `'capturedAmount', ${alias}.captured_amount, 'status', ${alias}.status, ` +
  `'expiresAt', ${isoSql(`${alias}.expires_at`)}, 'createdAt', ${isoSql(`${alias}.created_at`)}, ` +
  `'updatedAt', ${isoSql(`${alias}.updated_at`)}, 'metadata', ${alias}.metadata)`;

/** JSON of a ledger_entries row in the port's field order; absent ids are left out, not null. */
export const entryJsonSql = (alias: string): string =>
  `json_strip_nulls(json_build_object('id', ${alias}.id, 'walletId', ${alias}.wallet_id, 'type', ${alias}.type, ` +
  `'amount', ${alias}.amount, 'balanceBefore', ${alias}.balance_before, 'balanceAfter', ${alias}.balance_after, ` +
  `'status', 'completed', 'transferId', ${alias}.transfer_id, 'holdId', ${alias}.hold_id, ` +
  `'reversalOf', ${alias}.reversal_of, 'reversedAmount', ${alias}.reversed_amount, 'metadata', ${alias}.metadata, ` +
  `'createdAt', ${isoSql(`${alias}.created_at`)}))`;

/** pg returns bigint as a string; every bigint here is a balance, amount or counter <= 2^53-1. */
function parseSafeBigint(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new InvariantViolation('a bigint column left the safe integer range');
  return parsed;
}

export const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return parseSafeBigint;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * Turns a driver error into a port error: lost races and deadlocks → VersionConflict
 * (the core retries), connection loss, shutdown and timeouts → StoreUnavailable (503).
 * The driver's message never travels further than the cause chain.
 */
export function mapError(error: unknown): unknown {
  const code = (error as { code?: string } | null)?.code;
  if (code === '40001' || code === '40P01') return new VersionConflict('serialization failure', { cause: error });
  if (code && (CONNECTION_CODES.has(code) || /^(08|57P|53)/.test(code) || code === '57014')) {
    return new StoreUnavailable('database unavailable', { cause: error });
  }
  const message = error instanceof Error ? error.message : '';
  if (
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(
      message,
    )
  ) {
    return new StoreUnavailable('database unavailable', { cause: error });
  }
  return error;
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as { code?: string; constraint?: string } | null;
  return pgError?.code === '23505' && pgError.constraint === constraint;
}

export const toIso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : value);

// Named parameters: `sql` templates compiled to `$n` once, at module load (`prepare`).

/** A named parameter in a `sql` template; compiled to `$n` once, when the module loads. */
export interface Param<K extends string> {
  readonly param: K;
}

/** A piece of SQL text with named parameters; pieces nest, so a shared insert is written once. */
export interface Fragment<K extends string> {
  readonly chunks: ReadonlyArray<string | Param<K>>;
}

/** A prepared statement: its name, its `$n` text, and the parameter names in `$n` order. */
export interface Statement<K extends string> {
  readonly name: string;
  readonly text: string;
  readonly order: readonly K[];
  /** The query config for one call: values taken from `params` by name, in `$n` order. */
  query(params: Readonly<Record<K, unknown>>): pg.QueryConfig;
}

export const param = <K extends string>(name: K): Param<K> => ({ param: name });

/**
 * Tagged template: `${param('walletId')}` is a parameter, a nested `sql` fragment is spliced
 * in, and a plain string is trusted SQL text (a constant of this package, never input).
 */
export function sql<K extends string = never>(
  strings: TemplateStringsArray,
  ...parts: Array<Param<K> | Fragment<K> | string>
): Fragment<K> {
  const chunks: Array<string | Param<K>> = [];
  strings.forEach((text, index) => {
    chunks.push(text);
    const part = index < parts.length ? parts[index] : undefined;
    if (part === undefined) return;
    if (typeof part === 'string') chunks.push(part);
    else if ('chunks' in part) chunks.push(...part.chunks);
    else chunks.push(part);
  });
  return { chunks };
}

/** Compiles a fragment into a named (prepared) statement: each distinct name gets one `$n`. */
export function prepare<K extends string>(name: string, fragment: Fragment<K>): Statement<K> {
  const order: K[] = [];
  const text = fragment.chunks
    .map((chunk) => {
      if (typeof chunk === 'string') return chunk;
      let position = order.indexOf(chunk.param);
      if (position < 0) position = order.push(chunk.param) - 1;
      return `$${position + 1}`;
    })
    .join('');
  return {
    name,
    text,
    order,
    query: (params) => ({ name, text, values: order.map((key) => params[key]) }),
  };
}
