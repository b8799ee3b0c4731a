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
