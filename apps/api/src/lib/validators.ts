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

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  return ({ schema, httpPart }) =>
    (httpPart === 'querystring' ? coercing : strict).compile(schema as object) as ReturnType<
      FastifySchemaCompiler<unknown>
    >;
}
