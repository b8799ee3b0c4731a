// Request and reply types of the client, derived from the API's own OpenAPI document
// (openapi-types.ts is generated from docs/openapi.json by `npm run openapi`): when a route
// schema changes, these change with it, and code that no longer fits fails to compile.
import type { operations } from './openapi-types.js';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON request body of an operation. */
export type RequestBody<Id extends keyof operations> = operations[Id] extends { requestBody?: infer Body }
  ? JsonOf<NonNullable<Body>>
  : never;

/** The JSON reply of an operation for one status. */
export type Reply<Id extends keyof operations, Status extends number> = operations[Id] extends {
  responses: infer Responses;
}
  ? Status extends keyof Responses
    ? JsonOf<Responses[Status]>
    : never
  : never;

/** The `data` of an operation's success reply. */
export type ReplyData<Id extends keyof operations, Status extends number> =
  Reply<Id, Status> extends { data: infer Data } ? Data : never;

/** The query parameters of an operation. */
export type QueryOf<Id extends keyof operations> = operations[Id] extends { parameters: { query?: infer Query } }
  ? NonNullable<Query>
  : never;

export type Wallet = ReplyData<'getWallet', 200>;
export type CreateWalletBody = RequestBody<'createWallet'>;
export type BalanceBody = RequestBody<'creditWallet'>;
/** Credit and debit: `{ transactionId, wallet, transaction }`. */
export type BalanceResult = ReplyData<'creditWallet', 200>;
export type Transaction = ReplyData<'listTransactions', 200>[number];
export type TransactionType = Transaction['type'];
export type ListTransactionsQuery = QueryOf<'listTransactions'>;
export type TransferBody = RequestBody<'createTransfer'>;
/** `{ transferId, debit, credit }`. */
export type TransferResult = ReplyData<'createTransfer', 200>;
export type CreateWebhookBody = RequestBody<'createWebhook'>;
/** The creation reply: the only time the signing secret is shown. */
export type CreatedWebhook = ReplyData<'createWebhook', 201>;
export type WebhookEndpoint = ReplyData<'getWebhook', 200>;
/** `GET /api/wallets`: `limit` 1-100 (default 100), `cursor` the previous page's nextCursor. */
export type ListWalletsQuery = QueryOf<'listWallets'>;
export type Hold = ReplyData<'getHold', 200>;
export type HoldStatus = Hold['status'];
/** `expiresInSeconds`: 1 to HOLD_MAX_TTL_SECONDS; default HOLD_DEFAULT_TTL_SECONDS. */
export type CreateHoldBody = RequestBody<'createHold'>;
/** `{ hold, wallet }`: the hold, and the wallet with its new heldBalance. */
export type HoldResult = ReplyData<'createHold', 201>;
export type ListHoldsQuery = QueryOf<'listHolds'>;
/** `amount` defaults to the whole hold (less releases the rest); `toWalletId` is credited atomically. */
export type CaptureHoldBody = RequestBody<'captureHold'>;
/** `{ hold, transaction, wallet, credit? }`: `credit` is the `capture_in` entry on `toWalletId`. */
export type CaptureResult = ReplyData<'captureHold', 200>;
export type VoidHoldBody = RequestBody<'voidHold'>;
/** `{ hold, wallet }` after the release. */
export type VoidResult = ReplyData<'voidHold', 200>;
/** `amount` defaults to all that is left of the entry. */
export type ReverseBody = RequestBody<'reverseTransaction'>;
/** `{ reversal, original, wallet }`. */
export type ReversalResult = ReplyData<'reverseTransaction', 200>;
