// A TCP proxy of the test's own (node:net) between the client and the real API: it forwards
// every request and, while `lossesLeft` > 0, swallows a whole reply (after the server sent it,
// so the server has committed) and cuts the client's connection, as a dying load balancer would.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface LossyProxy {
  port: number;
  /** Replies still to lose. */
  lossesLeft: number;
  /** The replies swallowed so far, as raw HTTP responses. */
  lost: string[];
  close(): Promise<void>;
}

const HEADER_END = '\r\n\r\n';

/** True once `raw` holds a whole HTTP response with a Content-Length body. */
function isComplete(raw: Buffer): boolean {
  const text = raw.toString('latin1');
  const end = text.indexOf(HEADER_END);
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1];
  return length !== undefined && raw.length >= end + HEADER_END.length + Number(length);
}

export async function lossyProxy(targetPort: number, lossesLeft = 0): Promise<LossyProxy> {
  const sockets = new Set<Socket>();
  const proxy: LossyProxy = { port: 0, lossesLeft, lost: [], close: async () => undefined };
  const server: Server = createServer((downstream) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    downstream.pipe(upstream);
    let reply = Buffer.alloc(0);
    let losing = false;
    upstream.on('data', (chunk: Buffer) => {
      if (reply.length === 0 && proxy.lossesLeft > 0) {
        proxy.lossesLeft -= 1;
        losing = true;
      }
      reply = Buffer.concat([reply, chunk]);
      if (!losing) downstream.write(chunk);
      if (isComplete(reply)) {
        if (losing) {
          proxy.lost.push(reply.toString('utf8'));
          downstream.destroy();
          upstream.destroy();
        }
        reply = Buffer.alloc(0);
      }
    });
    upstream.on('close', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  proxy.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}

/** The JSON body of a raw HTTP response. */
export function bodyOf(rawResponse: string): unknown {
  return JSON.parse(rawResponse.slice(rawResponse.indexOf(HEADER_END) + HEADER_END.length));
}

/** A server that accepts connections and never answers: a path into a black hole. */
export async function blackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
