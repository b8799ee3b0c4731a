// The console's door to the API is @wallet/client (bundled): it adds the bearer token, keeps
// one Idempotency-Key per intent across its retries, and backs off. This module only turns a
// call's outcome into a value the views render (success with the replay flag, or a problem).
import { WalletApiError, WalletClient, type CallOptions, type ResponseInfo } from '@wallet/client';
import type { TokenSession } from './session.js';

/** A browser user waits at most this long for one action, retries included. */
const CALL_TIMEOUT_MS = 15_000;
/** Few retries: a person is watching and can press the button again (with the same key). */
const RETRIES_MAX = 2;

export interface Problem {
  title: string;
  /** 0 when no HTTP answer arrived (network error or timeout). */
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
  /** The client gave up on an error that may pass with the same key: sending again is safe. */
  retryable: boolean;
}

export type ApiResult<T> =
  | { ok: true; status: number; data: T; replayed: boolean }
  | { ok: false; status: number; problem: Problem; replayed: boolean };

export function createClient(session: TokenSession): WalletClient {
  return new WalletClient({
    baseUrl: '',
    token: () => session.token(),
    maxRetries: RETRIES_MAX,
    timeoutMs: CALL_TIMEOUT_MS,
  });
}

/** Runs one client call; `run` must pass the options on (they observe the last answer). */
export async function settle<T>(run: (options: CallOptions) => Promise<T>): Promise<ApiResult<T>> {
  let last: ResponseInfo | undefined;
  try {
    const data = await run({ onResponse: (info) => (last = info) });
    return { ok: true, status: last?.status ?? 200, data, replayed: last?.replayed ?? false };
  } catch (error) {
    return { ok: false, status: last?.status ?? 0, problem: toProblem(error), replayed: last?.replayed ?? false };
  }
}

function toProblem(error: unknown): Problem {
  if (error instanceof WalletApiError) {
    return {
      title: error.title,
      status: error.status,
      detail: error.detail || undefined,
      code: error.status > 0 ? error.code : undefined,
      requestId: error.requestId,
      retryable: error.retryable,
    };
  }
  return { title: 'Unexpected error', status: 0, detail: 'the console could not complete the call', retryable: false };
}

/** One line for people: "Insufficient funds: balance 200 is below 800 (insufficient_funds, 409)". */
export function describeProblem(problem: Problem): string {
  const detail = problem.detail && problem.detail !== problem.title ? `: ${problem.detail}` : '';
  const code = problem.code ? `${problem.code}, ` : '';
  const status = problem.status > 0 ? ` (${code}${problem.status})` : '';
  const request = problem.requestId ? ` [request ${problem.requestId}]` : '';
  return `${problem.title}${detail}${status}${request}`;
}
