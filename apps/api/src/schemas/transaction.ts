import { Type } from '@sinclair/typebox';
import { Amount, Metadata, PageCursor, PageLimit, Timestamp, Uuid, ref } from './common.js';

export const Transaction = Type.Object(
  {
    id: Uuid,
    walletId: Uuid,
    type: Type.Union([
      Type.Literal('credit'),
      Type.Literal('debit'),
      Type.Literal('transfer_in'),
      Type.Literal('transfer_out'),
      Type.Literal('capture'),
      Type.Literal('capture_in'),
      Type.Literal('reversal'),
    ]),
    amount: Amount,
    balanceBefore: Type.Integer({ minimum: 0 }),
    balanceAfter: Type.Integer({ minimum: 0 }),
    status: Type.Literal('completed'),
    transferId: Type.Optional(Uuid),
    holdId: Type.Optional(Uuid),
    reversalOf: Type.Optional(Uuid),
    reversedAmount: Type.Integer({ minimum: 0, description: 'minor units of this entry reversed so far' }),
    metadata: Metadata,
    createdAt: Timestamp,
  },
  { $id: 'Transaction', additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  { walletId: Uuid, limit: Type.Optional(PageLimit), cursor: Type.Optional(PageCursor) },
  { additionalProperties: false },
);

export const HistoryPage = Type.Object(
  { data: Type.Array(ref(Transaction), { maxItems: 100 }), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
