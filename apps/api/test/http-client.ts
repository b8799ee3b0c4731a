// Raw HTTP for the tests that run the BUILT API as a child process on a real socket (the
// drain tests here and in test/deploy): a fresh connection per request unless an agent is given.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The reply to `req`, read whole; rejects on a socket error (a reset, a refused connection). */
export function collect(req: http.ClientRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** One request on a fresh connection (`agent: false`, so "refused" is observable), or on the given agent. */
export function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  agent: http.Agent | false = false,
  timeoutMs = 10_000,
): Promise<Reply> {
  const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent, timeout: timeoutMs });
  req.on('timeout', () => req.destroy(new Error('client timeout')));
  const reply = collect(req);
  req.end(body);
  return reply;
}

/**
 * A credit whose headers the server has accepted (it answered `100 Continue`, so the request
 * is routed) while its body is still withheld: in flight, for sure.
 */
export async function heldCredit(port: number, headers: Record<string, string>, body: string) {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/wallets/credit',
    agent: false,
    headers: {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      expect: '100-continue',
    },
  });
  const reply = collect(req);
  // A reset is reported where the replies are awaited, not as an unhandled rejection.
  reply.catch(() => undefined);
  req.flushHeaders();
  await Promise.race([
    once(req, 'continue'),
    reply.then(() => Promise.reject(new Error('answered before the body was sent'))),
  ]);
  return { release: () => req.end(body), reply };
}

/** Polls /health/ready until 200; throws when `child` exits first or timeoutMs passes. */
export async function waitUntilReady(
  port: number,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`api exited early with code ${child.exitCode}: ${output()}`);
    const status = await send(port, 'GET', '/health/ready').then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(100);
  }
  throw new Error(`api never became ready: ${output()}`);
}

/** Asserts that every reply is a 200 (one assertion over all, so a failure shows each status). */
export function expectAll200(t: Test, replies: Reply[], message: string): void {
  t.same(
    replies.map((reply) => reply.status),
    replies.map(() => 200),
    message,
  );
}

/** Asserts that every reply carries `Connection: <value>`. */
export function expectConnection(t: Test, replies: Reply[], value: 'close' | 'keep-alive', message: string): void {
  t.ok(
    replies.every((reply) => reply.headers.connection === value),
    message,
  );
}
