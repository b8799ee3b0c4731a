// Goal: the SSRF guard also holds at delivery time: a webhook host that resolves (now) to an
// address outside the public internet is refused before any byte is sent, whichever of its
// addresses is the bad one and in whatever IPv6 form, and the connection goes to the address
// the guard checked. Method: postWebhook against a real loopback receiver, with an injected
// resolver standing in for DNS (the host names do not exist in real DNS, so a delivery that
// arrives can only have used the guard's answer).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { NOT_PUBLIC_REASON } from '@wallet/webhooks';
import { postWebhook } from '../src/http-delivery.js';

async function receiver(t: Test): Promise<{ port: number; received: IncomingMessage[] }> {
  const received: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    received.push(request);
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, received };
}

const answers =
  (...addresses: string[]) =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const send = (port: number, resolver: ReturnType<typeof answers>, allowPrivate: boolean) =>
  postWebhook({
    url: `http://hooks.example.test:${port}/hook`,
    headers: { 'webhook-id': 'evt_1' },
    body: '{}',
    timeoutMs: 2000,
    allowPrivate,
    resolver,
  });

t.test('a host resolving to a non-public address is refused at delivery', async (t) => {
  const { port, received } = await receiver(t);
  const bad = [
    answers('127.0.0.1'),
    answers('93.184.216.34', '127.0.0.1'),
    answers('::ffff:127.0.0.1'),
    answers('2002:7f00:1::1'),
    answers('64:ff9b:1::7f00:1'),
    answers('169.254.169.254'),
    answers('10.0.0.7'),
    answers('fd00::1'),
  ];
  for (const resolver of bad) {
    const result = await send(port, resolver, false);
    t.match(result, { kind: 'blocked', reason: /public/ }, JSON.stringify(await resolver()));
  }
  t.equal(received.length, 0, 'the receiver never saw a request');
});

t.test('the connection goes to the address the guard returned', async (t) => {
  const { port, received } = await receiver(t);
  const result = await send(port, answers('127.0.0.1'), true);
  t.same(result, { kind: 'response', status: 204 }, 'WEBHOOK_ALLOW_PRIVATE=true delivers to loopback');
  t.equal(received.length, 1);
  t.equal(received[0]!.headers.host, `hooks.example.test:${port}`, 'the name was the one resolved by the guard');
});

t.test('IP literals are checked without DNS', async (t) => {
  const { port, received } = await receiver(t);
  for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '[::127.0.0.1]']) {
    const result = await postWebhook({
      url: `http://${host}:${port}/hook`,
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      allowPrivate: false,
    });
    t.same(result, { kind: 'blocked', reason: NOT_PUBLIC_REASON }, host);
  }
  t.equal(received.length, 0);
});
