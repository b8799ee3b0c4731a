// Goal: the SSRF guard refuses every private, loopback, link-local, unique-local and CGNAT
// address, also behind a DNS name with one bad address among good ones. Method: the
// checks with an injected resolver (no network) and IP literals.
import t from 'tap';
import { checkWebhookUrl, isPrivateAddress, parseWebhookUrl } from '../src/webhook-url.js';

t.test('address classes', async (t) => {
  for (const address of [
    '127.0.0.1',
    '10.0.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    'ff02::1',
    'nonsense',
  ]) {
    t.ok(isPrivateAddress(address), `${address} refused`);
  }
  for (const address of [
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
  ]) {
    t.notOk(isPrivateAddress(address), `${address} allowed`);
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
    'good.test': ['93.184.216.34'],
    'mixed.test': ['93.184.216.34', '10.0.0.5'],
    'v6local.test': ['fd00::5'],
  });
  t.ok((await checkWebhookUrl('https://good.test/hook', { allowPrivate: false, resolver: dns })).ok);
  t.match(await checkWebhookUrl('https://mixed.test/hook', { allowPrivate: false, resolver: dns }), {
    ok: false,
    reason: /private/,
  });
  t.match(await checkWebhookUrl('https://v6local.test/hook', { allowPrivate: false, resolver: dns }), { ok: false });
  t.match(await checkWebhookUrl('https://missing.test/hook', { allowPrivate: false, resolver: dns }), {
    ok: false,
    reason: /resolve/,
  });
  t.ok(
    (await checkWebhookUrl('https://mixed.test/hook', { allowPrivate: true, resolver: dns })).ok,
    'allowed when private is allowed',
  );
  t.match(await checkWebhookUrl('http://[::1]:8080/', { allowPrivate: false }), { ok: false });
  t.ok((await checkWebhookUrl('http://127.0.0.1:8080/', { allowPrivate: true })).ok);
  t.match(await checkWebhookUrl('gopher://127.0.0.1/', { allowPrivate: true }), { ok: false, reason: /http/ });
});
