// Errors raised below the routes (DESIGN.md §4.8): slow headers and slow bodies are answered 408 within about REQUEST_TIMEOUT_MS while other clients are served, and an over-long path parameter, a bad percent-encoding, header overflow and non-HTTP bytes all get problem+json with the security headers and a registered code, never the URL. Real sockets against the app listening on port 0.
import net from 'node:net';
import { once } from 'node:events';
import { t, type Test } from 'tap';
import { ERRORS } from '@wallet/ledger';
import { API_SECURITY_HEADERS } from '../src/plugins/external/security.js';
import { build } from './helper.js';

const REQUEST_TIMEOUT_MS = 1000;

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  elapsedMs: number;
}

/** Writes `head` (and `chunks` one by one, `gapMs` apart) on a raw socket and reads until the server closes. */
async function raw(port: number, head: string, chunks: string[] = [], gapMs = 0): Promise<RawReply> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const startedAt = Date.now();
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  socket.write(head);
  const writer = (async () => {
    for (const chunk of chunks) {
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      if (socket.destroyed || text.length > 0) return;
      socket.write(chunk);
    }
  })();
  await closed;
  await writer;
  return { ...parse(text), elapsedMs: Date.now() - startedAt };
}

function parse(text: string): Omit<RawReply, 'elapsedMs'> {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body };
}

function checkProblem(t: Test, reply: Omit<RawReply, 'elapsedMs'>, code: keyof typeof ERRORS, url?: string) {
  t.equal(reply.status, ERRORS[code].status, `${code}: status`);
  t.match(reply.headers['content-type'], /^application\/problem\+json/, `${code}: problem+json`);
  const problem = JSON.parse(reply.body) as { code: string; status: number; requestId: string };
  t.equal(problem.code, code, `${code}: registered code`);
  t.equal(problem.status, ERRORS[code].status);
  t.ok(problem.requestId, 'with a request id');
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) t.equal(reply.headers[name], value, name);
  if (url) t.notOk(reply.body.includes(url), 'the URL is not echoed');
}

t.test('framework and client errors', async (t) => {
  const { app, auth } = await build(t, { env: { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as net.AddressInfo;
  const authorization = auth('edge').authorization!;

  t.test('the server timeouts are set at creation', async (t) => {
    t.equal(app.server.requestTimeout, REQUEST_TIMEOUT_MS);
    t.ok(app.server.headersTimeout <= REQUEST_TIMEOUT_MS, `headersTimeout ${app.server.headersTimeout}`);
  });

  t.test('a slow body gets 408 within about REQUEST_TIMEOUT_MS; others are served meanwhile', async (t) => {
    const body = JSON.stringify({ walletId: '00000000-0000-4000-8000-000000000000', amount: 100 });
    const head =
      'POST /api/wallets/credit HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
      `authorization: ${authorization}\r\nidempotency-key: slow-1\r\ncontent-length: ${body.length}\r\n\r\n`;
    const slow = raw(port, head, [...body], 200);
    const others = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        new Promise((resolve) => setTimeout(resolve, i * 150)).then(() =>
          raw(port, 'GET /health/live HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'),
        ),
      ),
    );
    t.same(
      others.map((reply) => reply.status),
      [200, 200, 200, 200, 200],
      'other clients are served',
    );
    const reply = await slow;
    t.ok(reply.elapsedMs < REQUEST_TIMEOUT_MS * 2.5, `answered in ${reply.elapsedMs} ms`);
    checkProblem(t, reply, 'request_timeout');
  });

  t.test('slow headers get 408 too', async (t) => {
    const reply = await raw(port, 'GET /health/live HTTP/1.1\r\n', Array(20).fill('x-a: b\r\n'), 200);
    t.ok(reply.elapsedMs < REQUEST_TIMEOUT_MS * 2.5, `answered in ${reply.elapsedMs} ms`);
    checkProblem(t, reply, 'request_timeout');
  });

  t.test('an over-long path parameter is 414 uri_too_long', async (t) => {
    const id = 'a'.repeat(101);
    const reply = await raw(
      port,
      `GET /api/wallets/${id} HTTP/1.1\r\nhost: x\r\nauthorization: ${authorization}\r\nconnection: close\r\n\r\n`,
    );
    checkProblem(t, reply, 'uri_too_long', id);
  });

  t.test('a bad percent-encoding is 400 bad_request', async (t) => {
    const id = '%E0%A4%Azz-secret-path';
    const reply = await raw(
      port,
      `GET /api/wallets/${id} HTTP/1.1\r\nhost: x\r\nauthorization: ${authorization}\r\nconnection: close\r\n\r\n`,
    );
    checkProblem(t, reply, 'bad_request', id);
  });

  t.test('header overflow is 431 header_too_large', async (t) => {
    const reply = await raw(port, `GET /health/live HTTP/1.1\r\nhost: x\r\nx-big: ${'b'.repeat(20_000)}\r\n\r\n`);
    checkProblem(t, reply, 'header_too_large');
  });

  t.test('an unknown route is 404 not_found without the path', async (t) => {
    const reply = await raw(port, 'GET /nope-<script>-path HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    checkProblem(t, reply, 'not_found', 'nope-<script>-path');
  });

  t.test('bytes that are not HTTP are 400 bad_request', async (t) => {
    const reply = await raw(port, 'HELLO /secret-thing\r\n\r\n');
    checkProblem(t, reply, 'bad_request', 'secret-thing');
  });
});
