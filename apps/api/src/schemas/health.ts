import { Type } from '@sinclair/typebox';

const Check = Type.Union([Type.Literal('up'), Type.Literal('down')]);

export const Liveness = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });

/** Readiness: the database is required; Redis is reported but never takes the API out of rotation. */
export const Readiness = Type.Object(
  {
    status: Type.Union([
      Type.Literal('ok'),
      Type.Literal('degraded'),
      Type.Literal('unavailable'),
      Type.Literal('draining'),
    ]),
    checks: Type.Object({ database: Check, redis: Check }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
