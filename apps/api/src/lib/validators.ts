import { Ajv, type Options } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators instead of Fastify's one: bodies, params and headers are checked strictly
 * (no coercion: `"100"` is not an amount, `{"amount": true}` is refused; unknown fields are
 * refused, not silently stripped), while the querystring — always text on the wire — is
 * coerced so `?limit=20` is an integer.
 */
const common: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  strict: false,
};

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ ...common, coerceTypes });
  ajvFormats.default(ajv, ['uuid', 'date-time']);
  return ajv;
}

type Validator = ReturnType<FastifySchemaCompiler<unknown>>;

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  return ({ schema, httpPart }) =>
    canonicalIds(schema, (httpPart === 'querystring' ? coercing : strict).compile(schema as object) as Validator);
}

/** The properties a schema declares as UUIDs (`format: 'uuid'`): path, query and body ids are top-level. */
function uuidPropertiesOf(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { format?: unknown } | undefined> }).properties ?? {};
  return Object.keys(properties).filter((name) => properties[name]?.format === 'uuid');
}

/**
 * Ids are normalised once, here, for every route: a valid UUID in any case is lower-cased
 * after validation (the format is case-insensitive), so the ledger and the stores only ever
 * see the canonical form — `A1…` and `a1…` are the same wallet everywhere, and a transfer
 * between them is `same_wallet`.
 */
function canonicalIds(schema: unknown, validate: Validator): Validator {
  const names = uuidPropertiesOf(schema);
  if (names.length === 0) return validate;
  const canonical = ((data: unknown) => {
    const valid = validate(data);
    if (valid === true && typeof data === 'object' && data !== null) {
      const record = data as Record<string, unknown>;
      for (const name of names) {
        const value = record[name];
        if (typeof value === 'string') record[name] = value.toLowerCase();
      }
    }
    return valid;
  }) as Validator;
  Object.defineProperty(canonical, 'errors', { get: () => (validate as { errors?: unknown }).errors });
  return canonical;
}
