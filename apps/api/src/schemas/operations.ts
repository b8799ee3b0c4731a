import { Type } from '@sinclair/typebox';
import { DEAD_LETTER_PAGE_MAX } from '@wallet/queue';
import { PAGE_LIMIT_DEFAULT, PageCursor, Timestamp, ref } from './common.js';

export const DeadLetter = Type.Object(
  {
    id: Type.String({ description: 'job id: <eventId>.<endpointId>' }),
    queue: Type.Literal('deliveries'),
    eventId: Type.String(),
    eventType: Type.String(),
    userId: Type.String(),
    endpointId: Type.String(),
    attemptsMade: Type.Integer({ minimum: 0 }),
    failedReason: Type.String({
      description: 'short reason: HTTP status, timed out, connection failed, refused address',
    }),
    failedAt: Timestamp,
    createdAt: Timestamp,
  },
  { $id: 'DeadLetter', additionalProperties: false },
);

export const DeadLetterQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: DEAD_LETTER_PAGE_MAX,
        default: PAGE_LIMIT_DEFAULT,
        description: `page size, 1-${DEAD_LETTER_PAGE_MAX}`,
      }),
    ),
    cursor: Type.Optional(PageCursor),
  },
  { additionalProperties: false },
);

export const DeadLetterPage = Type.Object(
  {
    data: Type.Array(ref(DeadLetter), { maxItems: DEAD_LETTER_PAGE_MAX }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const DeadLetterParams = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$', description: 'dead letter id' }) },
  { additionalProperties: false },
);

export const DeadLetterEnvelope = Type.Object({ data: ref(DeadLetter) }, { additionalProperties: false });

export const Mismatch = Type.Object(
  {
    kind: Type.String({
      description:
        'balance_mismatch, negative_balance, version_mismatch, last_entry_mismatch, held_mismatch, ' +
        'held_out_of_range, unbalanced_transfer, reversal_mismatch',
    }),
    walletId: Type.Optional(Type.String()),
    transferId: Type.Optional(Type.String()),
    transactionId: Type.Optional(Type.String()),
    detail: Type.String(),
  },
  { additionalProperties: false },
);

export const ReconciliationReport = Type.Object(
  {
    id: Type.String(),
    startedAt: Timestamp,
    finishedAt: Timestamp,
    walletsChecked: Type.Integer({ minimum: 0 }),
    transfersChecked: Type.Integer({ minimum: 0 }),
    mismatches: Type.Array(Mismatch, { maxItems: 1001 }),
  },
  { additionalProperties: false },
);

/** `data` is null until the worker's first reconciliation has finished. */
export const ReconciliationEnvelope = Type.Object(
  { data: Type.Union([ReconciliationReport, Type.Null()]) },
  { additionalProperties: false },
);
