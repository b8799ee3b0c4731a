// The drain's connection bookkeeping (src/lib/connections.ts) on a real HTTP server with real sockets: after the stop point a request on a kept-alive connection that was idle is told 503, a connection accepted before the stop that sends its first request late is still served, one in progress finishes with Connection: close, and nothing is reset. The sweep is widened to 500 ms so the window after the stop point is deterministic.
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { t } from 'tap';
import { ConnectionTracker } from '../src/lib/connections.js';

interface Reply {
  status: number;
  connection: string | undefined;
  body: string;
}

function get(port: number, path: string, agent: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
  });
}

t.test('kept-alive after the stop: 503; late first request on an accepted connection: served', async (t) => {
  // The handler runs only once requests come, after `tracker` below is set.
  const server = http.createServer((request, response) => {
    if (tracker.arrivedAfterStop(request)) {
      response.writeHead(503, { connection: 'close' }).end('draining');
      return;
    }
    const delayMs = request.url === '/slow' ? 400 : 0;
    setTimeout(() => response.end('ok'), delayMs);
  });
  const tracker = new ConnectionTracker(server, { sweepMs: 500 });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  t.teardown(() => server.closeAllConnections());

  const keptAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const slowAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => {
    keptAlive.destroy();
    slowAgent.destroy();
  });
  t.same(await get(port, '/a', keptAlive), { status: 200, connection: 'keep-alive', body: 'ok' }, 'before the stop');
  const early = net.connect(port, '127.0.0.1');
  await once(early, 'connect');
  const inProgress = get(port, '/slow', slowAgent);
  await sleep(50);

  const drained = tracker.drain(Date.now() + 5000, 2000);
  await sleep(150);
  t.ok(tracker.stopped, 'past the stop point');
  const refused = await new Promise<string>((resolve) => {
    net.connect(port, '127.0.0.1').on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''));
  });
  t.equal(refused, 'ECONNREFUSED', 'the listener is closed');

  t.same(await get(port, '/b', keptAlive), { status: 503, connection: 'close', body: 'draining' }, 'kept-alive: 503');
  t.same(await inProgress, { status: 200, connection: 'close', body: 'ok' }, 'in progress: served, then closed');

  let text = '';
  early.setEncoding('utf8');
  early.on('data', (chunk: string) => (text += chunk));
  early.write('GET /late HTTP/1.1\r\nhost: x\r\n\r\n');
  await once(early, 'close');
  t.match(text, /^HTTP\/1\.1 200 OK\r\n/, 'a late first request on an accepted connection is served');
  t.match(text, /\r\nconnection: close\r\n/i, 'with Connection: close');

  t.same(await drained, { openAtStop: 3, destroyedCount: 0 }, 'every connection closed by itself');
  t.equal(tracker.openCount, 0);
});
