export { WalletClient, sleep, type Page, type WalletClientOptions } from './wallet-client.js';
export { WalletApiError, type ClientErrorCode, type WalletApiErrorInit } from './errors.js';
export {
  newIdempotencyKey,
  type ApiResponse,
  type CallOptions,
  type HttpMethod,
  type Replay,
  type RequestSpec,
  type ResponseInfo,
  type WriteOptions,
} from './transport.js';
export { backoffMs, isRetryableAnswer, parseRetryAfterMs, retryDelayMs, type BackoffPolicy } from './retry-policy.js';
export type * from './types.js';
export { MINOR_UNIT_EXPONENTS, minorUnitExponent } from './minor-units.js';
