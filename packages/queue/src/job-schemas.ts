import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { OUTBOX_EVENT_TYPES } from '@wallet/ledger';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Minor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const OutboxEventTypeSchema = Type.Union(OUTBOX_EVENT_TYPES.map((type) => Type.Literal(type)));

/** The outbox event as it travels through Redis and as the webhook body's `data`. */
export const OutboxEventSchema = Type.Object(
  {
    id: Id,
    type: OutboxEventTypeSchema,
    userId: Type.String({ minLength: 1, maxLength: 255 }),
    walletId: Id,
    transactionId: Type.Optional(Id),
    transferId: Type.Optional(Id),
    holdId: Type.Optional(Id),
    reversalOf: Type.Optional(Id),
    direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    amount: Minor,
    balanceAfter: Minor,
    occurredAt: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

/**
 * Job data of the deliveries queue. The endpoint's secret and URL are read from the store
 * at delivery time, never copied into Redis: a deleted endpoint stops receiving, and a
 * Redis dump leaks no signing key.
 */
export const DeliveryJobSchema = Type.Object(
  { endpointId: Id, event: OutboxEventSchema },
  { additionalProperties: false },
);
export type DeliveryJob = Static<typeof DeliveryJobSchema>;

/** Scheduled maintenance jobs carry no data. */
export const MaintenanceJobSchema = Type.Object({}, { additionalProperties: false });

/** Job data read back from Redis is checked like any other input; a bad job is a bug. */
export function parseJobData<T extends TSchema>(schema: T, data: unknown): Static<T> {
  if (!Value.Check(schema, data)) {
    const first = Value.Errors(schema, data).First();
    throw new Error(`job data invalid at ${first?.path ?? '/'}: ${first?.message ?? 'unknown'}`);
  }
  return data;
}
