// Shared by the test suites of every package: a port for a child process, a private
// redis-server, or a closed port to point a client at.
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (nothing listens on it once this resolves). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
