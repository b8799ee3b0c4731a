import { Type, type Static } from '@sinclair/typebox';
import { Amount, Metadata, Uuid, ref } from './common.js';
import { Transaction } from './transaction.js';

export const TransferBody = Type.Object(
  { fromWalletId: Uuid, toWalletId: Uuid, amount: Amount, metadata: Type.Optional(Metadata) },
  { additionalProperties: false },
);
export type TransferBody = Static<typeof TransferBody>;

export const TransferResult = Type.Object(
  {
    data: Type.Object(
      { transferId: Uuid, debit: ref(Transaction), credit: ref(Transaction) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
