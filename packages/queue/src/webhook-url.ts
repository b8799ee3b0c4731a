import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Longest accepted endpoint URL. */
export const WEBHOOK_URL_CHARS_MAX = 2048;

/** Addresses a webhook must never reach unless WEBHOOK_ALLOW_PRIVATE=true (SSRF guard). */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 maps onto IPv4, which may be private
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** True when the address is loopback, private, link-local, unique-local, CGNAT or reserved. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // Not an address at all: refuse rather than guess.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
  return blocked.check(address, 'ipv6');
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** Bound on resolving an endpoint's host: a slow resolver must not hold a request or a job. */
export const WEBHOOK_LOOKUP_TIMEOUT_MS = 3000;

const resolveAll: Resolver = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), WEBHOOK_LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([dnsLookup(hostname, { all: true, verbatim: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Syntax only: absolute http(s) URL, bounded length, no credentials in it. */
export function parseWebhookUrl(raw: string): UrlCheck {
  if (raw.length > WEBHOOK_URL_CHARS_MAX)
    return { ok: false, reason: `url must be at most ${WEBHOOK_URL_CHARS_MAX} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'url must be an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'url must use http or https' };
  if (url.username || url.password) return { ok: false, reason: 'url must not contain credentials' };
  return { ok: true, url };
}

/** The host part as DNS or an IP literal sees it (IPv6 literals lose their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves every address of a name and refuses the lot when any one is private: a name
 * with one public and one private address could otherwise be steered to the private one.
 */
export async function resolvePublicAddresses(
  host: string,
  options: { allowPrivate: boolean; resolver?: Resolver },
): Promise<{ ok: true; addresses: Array<{ address: string; family: number }> } | { ok: false; reason: string }> {
  const family = isIP(host);
  let addresses: Array<{ address: string; family: number }>;
  if (family !== 0) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await (options.resolver ?? resolveAll)(host);
    } catch {
      return { ok: false, reason: 'url host does not resolve' };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'url host does not resolve' };
  if (!options.allowPrivate && addresses.some((entry) => isPrivateAddress(entry.address))) {
    return { ok: false, reason: 'url must not point to a private, loopback or link-local address' };
  }
  return { ok: true, addresses };
}

/** The full check used when an endpoint is created: syntax, then every resolved address. */
export async function checkWebhookUrl(
  raw: string,
  options: { allowPrivate: boolean; resolver?: Resolver },
): Promise<UrlCheck> {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok) return parsed;
  const resolved = await resolvePublicAddresses(hostOf(parsed.url), options);
  return resolved.ok ? parsed : resolved;
}
