import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupAddress, LookupOneOptions, LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import {
  NOT_PUBLIC_REASON,
  hostOf,
  isPublicAddress,
  parseWebhookUrl,
  resolvePublicAddresses,
  type Resolver,
} from '@wallet/webhooks';

/** Response bytes read (and thrown away) before the socket is closed: receivers answer with little. */
const RESPONSE_BYTES_MAX = 64 * 1024;

export type DeliveryResult =
  | { kind: 'response'; status: number }
  | { kind: 'timeout' }
  | { kind: 'network' }
  /** The URL is invalid or resolves to an address the SSRF guard refuses. */
  | { kind: 'blocked'; reason: string };

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Whole exchange: connect, send, response headers and body. */
  timeoutMs: number;
  allowPrivate: boolean;
  resolver?: Resolver;
}

class BlockedAddress extends Error {
  override name = 'BlockedAddress';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the socket that resolves every address of the host and refuses them all
 * when one is private: the address checked is the address connected to, so a DNS answer
 * that changes between the check and the connect (rebinding) cannot reach a private host.
 */
function guardedLookup(allowPrivate: boolean, resolver: Resolver | undefined) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolvePublicAddresses(hostname, { allowPrivate, resolver }).then(
      (result) => {
        if (!result.ok) return callback(new BlockedAddress(result.reason), '', 4);
        if (options.all) return callback(null, result.addresses);
        const first = result.addresses[0]!;
        return callback(null, first.address, first.family);
      },
      () => callback(new BlockedAddress('url host does not resolve'), '', 4),
    );
  };
}

/**
 * One signed POST. Never follows redirects (a 3xx is an answer like any other), never
 * throws: the caller decides from the result whether to retry.
 */
export async function postWebhook(delivery: DeliveryRequest): Promise<DeliveryResult> {
  const parsed = parseWebhookUrl(delivery.url);
  if (!parsed.ok) return { kind: 'blocked', reason: parsed.reason };
  const url = parsed.url;
  // IP literals never reach `lookup`, so they are checked here.
  const host = hostOf(url);
  if (isIP(host) !== 0 && !delivery.allowPrivate && !isPublicAddress(host)) {
    return { kind: 'blocked', reason: NOT_PUBLIC_REASON };
  }

  const signal = AbortSignal.timeout(delivery.timeoutMs);
  const options: RequestOptions = {
    method: 'POST',
    headers: {
      ...delivery.headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(delivery.body)),
      'user-agent': 'wallet-webhooks/1',
    },
    lookup: guardedLookup(delivery.allowPrivate, delivery.resolver) as RequestOptions['lookup'],
    signal,
    agent: false, // One connection per attempt: no pooled socket outlives the guard's decision.
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<DeliveryResult>((resolve) => {
    const request = send(url, options, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > RESPONSE_BYTES_MAX) response.destroy();
      });
      const done = () => resolve({ kind: 'response', status: response.statusCode ?? 0 });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.on('error', (error) => {
      if (error instanceof BlockedAddress) resolve({ kind: 'blocked', reason: error.message });
      else if (signal.aborted) resolve({ kind: 'timeout' });
      else resolve({ kind: 'network' });
    });
    request.end(delivery.body);
  });
}
