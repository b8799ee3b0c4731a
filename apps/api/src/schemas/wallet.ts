import { Type, type Static } from '@sinclair/typebox';
import { Amount, Currency, Metadata, PageCursor, Timestamp, Uuid, ref } from './common.js';
import { Transaction } from './transaction.js';

export const Wallet = Type.Object(
  {
    id: Uuid,
    userId: Type.String({ maxLength: 255 }),
    currency: Currency,
    balance: Type.Integer({ minimum: 0, description: 'minor units: the sum of the wallet entries' }),
    heldBalance: Type.Integer({ minimum: 0, description: 'minor units reserved by active holds (<= balance)' }),
    availableBalance: Type.Integer({
      minimum: 0,
      description: 'balance - heldBalance: what debits, transfers out and new holds may spend',
    }),
    version: Type.Integer({ minimum: 0, description: 'bumped by every balance change; sent as ETag' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Wallet', additionalProperties: false },
);

export const CreateWalletBody = Type.Object({ currency: Currency }, { additionalProperties: false });
export type CreateWalletBody = Static<typeof CreateWalletBody>;

export const WalletParams = Type.Object({ walletId: Uuid }, { additionalProperties: false });

export const BalanceBody = Type.Object(
  { walletId: Uuid, amount: Amount, metadata: Type.Optional(Metadata) },
  { additionalProperties: false },
);
export type BalanceBody = Static<typeof BalanceBody>;

export const WalletEnvelope = Type.Object({ data: ref(Wallet) }, { additionalProperties: false });

export const WalletListQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'page size, 1-100 (default 100)' }),
    ),
    cursor: Type.Optional(PageCursor),
  },
  { additionalProperties: false },
);

export const WalletList = Type.Object(
  { data: Type.Array(ref(Wallet), { maxItems: 100 }), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

export const BalanceResult = Type.Object(
  {
    data: Type.Object(
      { transactionId: Uuid, wallet: ref(Wallet), transaction: ref(Transaction) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
