import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { ERRORS, type ErrorCode } from '@wallet/ledger';

/** Ids are UUIDs; anything else (`$where`, `../`, 10 kB strings) is refused with 400 before any lookup. */
export const Uuid = Type.String({ format: 'uuid', minLength: 36, maxLength: 36, description: 'UUID' });

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, 3 capital letters' });

/** Transport bound: the ledger refuses anything above MAX_AMOUNT with 400 validation_failed. */
export const Amount = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'minor units (cents): a positive integer, at most MAX_AMOUNT; strings and fractions are refused',
});

export const METADATA_KEYS_MAX = 20;
export const METADATA_VALUE_CHARS_MAX = 500;

/** Flat string map: at most 20 keys of `[A-Za-z0-9_.-]{1,40}` (so no `$` or dots-only operators reach a store). */
export const Metadata = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' }),
  Type.String({ maxLength: METADATA_VALUE_CHARS_MAX }),
  {
    maxProperties: METADATA_KEYS_MAX,
    // Without this, keys outside the pattern (`$where`) would pass: patternProperties alone does not refuse them.
    additionalProperties: false,
    description: 'flat object of string values (at most 20 keys, values up to 500 chars)',
  },
);

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC' });

/** RFC 9457 problem details plus our stable `code` and the request id. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'https://wallet.example/problems/<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'stable snake_case error code' }),
    requestId: Type.String(),
  },
  { $id: 'Problem', additionalProperties: false, description: 'application/problem+json' },
);

/**
 * A reference to one of the schemas the app registers once (`SHARED_SCHEMAS`, by `$id`): the
 * validator and serializer resolve it, and the OpenAPI document names it under
 * `components/schemas` instead of repeating it in every route. Typed as the schema itself.
 */
export function ref<T extends TSchema>(schema: T, options: SchemaOptions = {}): TUnsafe<Static<T>> {
  if (schema.$id === undefined) throw new Error('ref: the schema has no $id to refer to');
  return Type.Unsafe<Static<T>>({ ...options, $ref: `${schema.$id}#` });
}

/** Response schemas for the problem statuses a route may answer with; the description lists the codes. */
export function problems(...codes: ErrorCode[]): Record<number, TSchema> {
  const codesByStatus = new Map<number, ErrorCode[]>();
  for (const code of [
    'unauthorized',
    'rate_limited',
    'service_unavailable',
    'internal_error',
    ...codes,
  ] as ErrorCode[]) {
    const status = ERRORS[code].status;
    codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, TSchema> = {};
  for (const [status, list] of codesByStatus) responses[status] = ref(Problem, { description: list.join(', ') });
  return responses;
}

/** The documented request headers of a write. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$';

/** `"<version>"`: the wallet version as a quoted decimal, as sent in ETag. */
export const IF_MATCH_PATTERN = '^"(0|[1-9][0-9]{0,15})"$';

export const WriteHeaders = Type.Object(
  {
    'idempotency-key': Type.Optional(
      Type.String({ description: '1-255 visible ASCII characters; required for money movement' }),
    ),
    'if-match': Type.Optional(
      Type.String({
        pattern: IF_MATCH_PATTERN,
        description: 'the wallet ETag, e.g. "3": refuse with 412 unless still at that version',
      }),
    ),
  },
  { additionalProperties: true },
);

/** The page size of a listing whose query names none; the schema fills it in, routes fall back to it for the type. */
export const PAGE_LIMIT_DEFAULT = 20;

export const PageLimit = Type.Integer({
  minimum: 1,
  maximum: 100,
  default: PAGE_LIMIT_DEFAULT,
  description: 'page size, 1-100',
});

export const PageCursor = Type.String({
  minLength: 1,
  maxLength: 512,
  description: 'opaque nextCursor of the previous page',
});
