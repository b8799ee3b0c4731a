import { Type, type Static } from '@sinclair/typebox';
import { Amount, Metadata, PageCursor, PageLimit, Timestamp, Uuid, ref } from './common.js';
import { Transaction } from './transaction.js';
import { Wallet } from './wallet.js';

/** Holds and reversals take an Idempotency-Key (required) and no If-Match: they do not offer a version CAS. */
export const HoldWriteHeaders = Type.Object(
  {
    'idempotency-key': Type.Optional(
      Type.String({ description: '1-255 visible ASCII characters; required (400 idempotency_key_required)' }),
    ),
  },
  { additionalProperties: true },
);

export const HoldStatus = Type.Union(
  [Type.Literal('active'), Type.Literal('captured'), Type.Literal('voided'), Type.Literal('expired')],
  { description: 'active until captured, voided or expired; each hold leaves active exactly once' },
);

/** A reservation of part of a wallet's available balance (DESIGN.md §3, Holds). */
export const Hold = Type.Object(
  {
    id: Uuid,
    walletId: Uuid,
    amount: Amount,
    capturedAmount: Type.Integer({ minimum: 0, description: 'minor units moved by the capture; 0 otherwise' }),
    status: HoldStatus,
    expiresAt: Timestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    metadata: Metadata,
  },
  { $id: 'Hold', additionalProperties: false },
);

/**
 * The body of `POST /api/holds`. `expiresInSeconds` is bounded by the configured
 * HOLD_MAX_TTL_SECONDS, so the schema is built from it when the routes are registered.
 */
export function createHoldBody(maxTtlSeconds: number) {
  return Type.Object(
    {
      walletId: Uuid,
      amount: Amount,
      expiresInSeconds: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: maxTtlSeconds,
          description: `lifetime in whole seconds, 1-${maxTtlSeconds} (HOLD_MAX_TTL_SECONDS); default HOLD_DEFAULT_TTL_SECONDS`,
        }),
      ),
      metadata: Type.Optional(Metadata),
    },
    { additionalProperties: false },
  );
}
export type CreateHoldBody = Static<ReturnType<typeof createHoldBody>>;

export const HoldParams = Type.Object({ holdId: Uuid }, { additionalProperties: false });

export const HoldListQuery = Type.Object(
  {
    walletId: Uuid,
    status: Type.Optional(HoldStatus),
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(PageCursor),
  },
  { additionalProperties: false },
);

export const CaptureBody = Type.Object(
  {
    amount: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'minor units to capture, at most the hold amount; default the whole hold; the rest is released',
      }),
    ),
    /** Credit this wallet (any user's, same currency) with the captured amount. */
    toWalletId: Type.Optional(Uuid),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CaptureBody = Static<typeof CaptureBody>;

export const VoidBody = Type.Object({ metadata: Type.Optional(Metadata) }, { additionalProperties: false });
export type VoidBody = Static<typeof VoidBody>;

export const HoldEnvelope = Type.Object({ data: ref(Hold) }, { additionalProperties: false });

export const HoldPage = Type.Object(
  { data: Type.Array(ref(Hold), { maxItems: 100 }), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

export const HoldResult = Type.Object(
  { data: Type.Object({ hold: ref(Hold), wallet: ref(Wallet) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export const CaptureResult = Type.Object(
  {
    data: Type.Object(
      {
        hold: ref(Hold),
        transaction: ref(Transaction),
        wallet: ref(Wallet),
        credit: Type.Optional(ref(Transaction)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const TransactionParams = Type.Object({ transactionId: Uuid }, { additionalProperties: false });

export const ReverseBody = Type.Object(
  {
    amount: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'minor units to move back; default all that is not reversed yet',
      }),
    ),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type ReverseBody = Static<typeof ReverseBody>;

export const ReverseResult = Type.Object(
  {
    data: Type.Object(
      {
        reversal: ref(Transaction),
        original: ref(Transaction),
        wallet: ref(Wallet),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
