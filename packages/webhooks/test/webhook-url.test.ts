// Goal: the SSRF guard lets through only globally reachable unicast addresses (IANA IPv4 and
// IPv6 special-purpose registries), whatever form an address is written in, also behind a
// DNS name with one bad address among good ones. Method: a table of addresses and URL
// literals, each checked on its own, and the URL check with an injected resolver (no network).
import t from 'tap';
import { checkWebhookUrl, isPublicAddress, parseWebhookUrl } from '../src/webhook-url.js';

/** Every address here must be refused; the comment names the registry entry or the trick. */
const REFUSED: Array<[string, string]> = [
  ['0.0.0.0', 'this network 0/8'],
  ['0.1.2.3', 'this network 0/8'],
  ['10.0.0.1', 'private 10/8'],
  ['100.64.0.1', 'shared CGN 100.64/10'],
  ['100.127.255.255', 'shared CGN 100.64/10'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'link-local, cloud metadata'],
  ['172.16.0.1', 'private 172.16/12'],
  ['172.31.255.255', 'private 172.16/12'],
  ['192.0.0.1', 'IETF protocol assignments'],
  ['192.0.2.1', 'TEST-NET-1'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['192.168.0.1', 'private 192.168/16'],
  ['198.18.0.1', 'benchmarking 198.18/15'],
  ['198.19.255.255', 'benchmarking 198.18/15'],
  ['198.51.100.7', 'TEST-NET-2'],
  ['203.0.113.9', 'TEST-NET-3'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved 240/4'],
  ['255.255.255.255', 'limited broadcast'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['::7f00:1', 'IPv4-compatible loopback (::127.0.0.1)'],
  ['::127.0.0.1', 'IPv4-compatible loopback, dotted'],
  ['::a9fe:a9fe', 'IPv4-compatible metadata'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated loopback (RFC 6145)'],
  ['::ffff:0:808:808', 'IPv4-translated, any'],
  ['64:ff9b::127.0.0.1', 'well-known NAT64 of loopback'],
  ['64:ff9b::a9fe:a9fe', 'well-known NAT64 of metadata'],
  ['64:ff9b::10.1.2.3', 'well-known NAT64 of private'],
  ['64:ff9b:1::8.8.8.8', 'RFC 8215 local-use NAT64'],
  ['64:ff9b:1:ffff::1', 'RFC 8215 local-use NAT64'],
  ['100::1', 'discard-only'],
  ['2001::1', 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:2::1', 'benchmarking'],
  ['2001:db8::1', 'documentation'],
  ['2001:10::1', 'ORCHID'],
  ['2002:7f00:1::', '6to4 of loopback'],
  ['2002:a9fe:a9fe::1', '6to4 of metadata'],
  ['2002:808:808::1', '6to4, any'],
  ['3fff::1', 'documentation (RFC 9637)'],
  ['5f00::1', 'segment routing'],
  ['fc00::1', 'unique local'],
  ['fd12:3456::1', 'unique local'],
  ['fe80::1', 'link-local'],
  ['febf::1', 'link-local'],
  ['fec0::1', 'site-local (deprecated)'],
  ['feff::1', 'site-local (deprecated)'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'multicast, global scope'],
  ['4000::1', 'unassigned, outside 2000::/3'],
  ['127.1', 'not a strictly written address'],
  ['0x7f.0.0.1', 'not a strictly written address'],
  ['nonsense', 'not an address'],
  ['', 'empty'],
];

/** Public addresses of well-known services, in every form that reaches them. */
const ALLOWED: Array<[string, string]> = [
  ['8.8.8.8', 'Google DNS'],
  ['1.1.1.1', 'Cloudflare DNS'],
  ['93.184.216.34', 'example.com'],
  ['172.32.0.1', 'just past 172.16/12'],
  ['100.128.0.1', 'just past 100.64/10'],
  ['198.20.0.1', 'just past 198.18/15'],
  ['223.255.255.254', 'just below multicast'],
  ['2606:4700:4700::1111', 'Cloudflare DNS v6'],
  ['2001:4860:4860::8888', 'Google DNS v6'],
  ['2a00:1450:4001:80b::200e', 'a European v6 host'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public'],
  ['64:ff9b::8.8.8.8', 'well-known NAT64 of public'],
];

t.test('address classes', async (t) => {
  for (const [address, why] of REFUSED) {
    t.notOk(isPublicAddress(address), `${address} refused (${why})`);
  }
  for (const [address, why] of ALLOWED) t.ok(isPublicAddress(address), `${address} allowed (${why})`);
});

t.test('URL literals are refused as the URL parser normalises them', async (t) => {
  const literals = [
    'http://[::127.0.0.1]/',
    'http://[::7f00:1]/',
    'http://[::ffff:0:127.0.0.1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[2002:7f00:1::]/',
    'http://[2002:a9fe:a9fe::]/latest/meta-data',
    'http://[64:ff9b:1::a9fe:a9fe]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[fec0::1]/',
    'http://[2001::1]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://192.0.2.1/',
    'http://198.51.100.1/',
    'http://203.0.113.1/',
    'http://198.18.0.1/',
    'http://192.88.99.1/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://240.0.0.1/',
    'http://255.255.255.255/',
    'http://2130706433/', // 127.0.0.1 as one number
    'http://0x7f.1/', // 127.0.0.1 in hex, short form
    'http://0177.0.0.1/', // 127.0.0.1 in octal
    'http://169.254.169.254/latest/meta-data',
  ];
  for (const url of literals) {
    const check = await checkWebhookUrl(url, { allowPrivate: false, resolver: async () => [] });
    t.match(check, { ok: false, reason: /public/ }, `${url} refused`);
  }
  for (const url of ['https://8.8.8.8/hook', 'https://[2606:4700:4700::1111]/hook', 'http://[::ffff:8.8.8.8]/']) {
    t.ok((await checkWebhookUrl(url, { allowPrivate: false })).ok, `${url} allowed`);
  }
});

t.test('URL checks', async (t) => {
  t.ok(parseWebhookUrl('https://example.com/x').ok);
  t.notOk(parseWebhookUrl('file:///etc/passwd').ok);
  t.notOk(parseWebhookUrl('http://u:p@example.com/').ok);
  t.notOk(parseWebhookUrl('https://example.com/' + 'a'.repeat(2048)).ok);
  t.notOk(parseWebhookUrl('/relative').ok);

  const resolver = (answers: Record<string, string[]>) => async (host: string) => {
    const list = answers[host];
    if (!list) throw new Error('ENOTFOUND');
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const dns = resolver({
    'good.test': ['93.184.216.34', '2606:4700:4700::1111'],
    'mixed.test': ['93.184.216.34', '10.0.0.5'],
    'v6local.test': ['fd00::5'],
    'compat.test': ['::7f00:1'],
    'sixtofour.test': ['8.8.8.8', '2002:a9fe:a9fe::1'],
    'nat64.test': ['64:ff9b:1::a00:1'],
    'empty.test': [],
  });
  t.ok((await checkWebhookUrl('https://good.test/hook', { allowPrivate: false, resolver: dns })).ok);
  for (const host of ['mixed.test', 'v6local.test', 'compat.test', 'sixtofour.test', 'nat64.test']) {
    t.match(
      await checkWebhookUrl(`https://${host}/hook`, { allowPrivate: false, resolver: dns }),
      { ok: false, reason: /public/ },
      `${host}: one address outside the public internet refuses the name`,
    );
  }
  for (const host of ['missing.test', 'empty.test']) {
    t.match(await checkWebhookUrl(`https://${host}/hook`, { allowPrivate: false, resolver: dns }), {
      ok: false,
      reason: /resolve/,
    });
  }
  t.ok(
    (await checkWebhookUrl('https://mixed.test/hook', { allowPrivate: true, resolver: dns })).ok,
    'allowed when private is allowed',
  );
  t.match(await checkWebhookUrl('http://[::1]:8080/', { allowPrivate: false }), { ok: false });
  t.ok((await checkWebhookUrl('http://127.0.0.1:8080/', { allowPrivate: true })).ok);
  t.match(await checkWebhookUrl('gopher://127.0.0.1/', { allowPrivate: true }), { ok: false, reason: /http/ });
});
