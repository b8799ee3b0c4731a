import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { withTimeout } from '@wallet/async';

/** Longest accepted endpoint URL. */
export const WEBHOOK_URL_CHARS_MAX = 2048;

/** The one refusal text for an address outside the public internet (no address echoed back). */
export const NOT_PUBLIC_REASON = 'url must point to a public internet address';

/** 2000::/3: the only IPv6 block IANA allocates for global unicast; everything else is special or unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
/** RFC 6052 well-known NAT64 prefix: the gateway connects to the embedded IPv4, so that address decides. */
const WELL_KNOWN_NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Classification against the IANA IPv4 and IPv6 special-purpose registries (ipaddr.js's
 * `range()` names them): an address is public only when ipaddr.js files it as plain
 * `unicast`. For IPv4 that leaves out 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.0.0/24, the documentation blocks (192.0.2/24, 198.51.100/24, 203.0.113/24), 192.88.99/24,
 * 192.168/16, 198.18/15, AS112, AMT, 224/4, 240/4 and the broadcast address.
 */
function isPublicV4(address: ipaddr.IPv4): boolean {
  return address.range() === 'unicast';
}

/**
 * IPv6: the embedded-IPv4 forms a connection really goes to are judged by their IPv4
 * (IPv4-mapped ::ffff:0:0/96, well-known NAT64 64:ff9b::/96). Every other special range is
 * refused, including those that carry an IPv4 a relay or gateway might reach: the RFC 8215
 * local NAT64 64:ff9b:1::/48, IPv4-translated ::ffff:0:0:0/96, IPv4-compatible ::/96, 6to4
 * 2002::/16 and Teredo 2001::/32. What is left must be plain `unicast` inside 2000::/3, which
 * also refuses the deprecated site-local fec0::/10, ULA, link-local, multicast, discard,
 * documentation and benchmarking blocks.
 */
function isPublicV6(address: ipaddr.IPv6): boolean {
  if (address.isIPv4MappedAddress()) return isPublicV4(address.toIPv4Address());
  if (address.match(WELL_KNOWN_NAT64)) return isPublicV4(embeddedTail(address));
  return address.range() === 'unicast' && address.match(GLOBAL_UNICAST_V6);
}

function embeddedTail(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12, 16));
}

/**
 * True when the address is a globally reachable unicast address. Anything that is not a
 * strictly written IP address (node's `isIP`, so no `127.1` or octal forms) is not public.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (parsed.kind() === 'ipv4') return isPublicV4(parsed as ipaddr.IPv4);
  return isPublicV6(parsed as ipaddr.IPv6);
}

export type ResolvedAddress = { address: string; family: number };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Bound on resolving an endpoint's host: a slow resolver must not hold a request or a job. */
export const WEBHOOK_LOOKUP_TIMEOUT_MS = 3000;

const resolveAll: Resolver = (hostname) =>
  withTimeout(dnsLookup(hostname, { all: true, verbatim: true }), WEBHOOK_LOOKUP_TIMEOUT_MS, 'lookup');

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

export type AddressCheck = { ok: true; addresses: ResolvedAddress[] } | { ok: false; reason: string };

/**
 * Resolves every address of a name (an IP literal is its own answer) and refuses the lot
 * when any one is not public: a name with one public and one private address could
 * otherwise be steered to the private one. The same check runs at registration and, through
 * `guardedLookup`, for the connection of every delivery.
 */
export async function resolvePublicAddresses(
  host: string,
  options: { allowPrivate: boolean; resolver?: Resolver },
): Promise<AddressCheck> {
  const family = isIP(host);
  let addresses: ResolvedAddress[];
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
  if (!options.allowPrivate && !addresses.every((entry) => isPublicAddress(entry.address))) {
    return { ok: false, reason: NOT_PUBLIC_REASON };
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
