import net from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What the drain needs to know about one client connection. Node's own
 * `closeIdleConnections()` (run by `server.close()` since Node 19) counts a connection as idle
 * while its parser has not started a message, which includes a socket whose request bytes sit
 * unread in the kernel: destroying it then makes the kernel answer with a reset. Here a
 * connection is idle only when no request is in progress AND no byte has been read since its
 * last reply, twice in a row across event-loop turns (so anything the kernel held was read).
 */
interface ConnectionState {
  /** Requests received on this socket whose reply has not finished. */
  activeCount: number;
  /** Replies finished on this socket. */
  servedCount: number;
  /** `socket.bytesRead` when the last reply finished (0 for a new connection). */
  bytesReadAtIdle: number;
  /** The sweep that last saw this socket idle: a second idle sighting closes it. */
  idleSightings: number;
  /** At the stop point: a kept-alive socket with nothing received, so a later request gets 503. */
  idleAtStop: boolean;
  responses: Set<ServerResponse>;
}

/** How often the drain looks at the open connections, by default. */
const SWEEP_MS = 25;
/** The listener closes once no connection has been accepted for this long (see stopListening)... */
const ACCEPT_QUIET_MS = 100;
/** ...or after this long at most, so a steady stream of new connections cannot hold the drain open. */
const ACCEPT_SETTLE_MS_MAX = 1000;

/** What the drain did: connections open when the listener closed, and those cut off at the deadline. */
export interface DrainReport {
  openAtStop: number;
  destroyedCount: number;
}

export class ConnectionTracker {
  readonly #connections = new Map<net.Socket, ConnectionState>();
  /** The stop has begun: every reply from now on carries `Connection: close`. */
  #stopping = false;
  /** The listener is closed. */
  #stopped = false;
  #lastAcceptAt = 0;
  /** Until then, a connection accepted before the stop that has sent nothing yet is waited for. */
  #freshUntil = 0;

  /** `sweepMs`: how often the drain looks at the open connections (default 25 ms; tests widen it). */
  constructor(
    private readonly server: Server,
    private readonly options: { sweepMs?: number } = {},
  ) {
    server.on('connection', (socket: net.Socket) => {
      this.#lastAcceptAt = Date.now();
      this.#connections.set(socket, {
        activeCount: 0,
        servedCount: 0,
        bytesReadAtIdle: 0,
        idleSightings: 0,
        idleAtStop: false,
        responses: new Set(),
      });
      socket.once('close', () => this.#connections.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.#track(request, response));
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get openCount(): number {
    return this.#connections.size;
  }

  /**
   * After the stop point, whether this request came on a kept-alive connection that had
   * nothing in progress and nothing received when the listener closed: it is turned away
   * with 503 (the client retries elsewhere). Every other request was already received.
   */
  arrivedAfterStop(request: IncomingMessage): boolean {
    if (!this.#stopped) return false;
    const state = this.#connections.get(request.socket);
    return state !== undefined && state.idleAtStop && state.servedCount > 0;
  }

  /**
   * Stops accepting, lets every request already received finish (their replies carry
   * `Connection: close`), closes idle connections, and resolves once none is left — or at
   * `deadlineAt` (epoch ms), when the stragglers are destroyed. A connection accepted before
   * the stop that has sent nothing yet gets `firstRequestWaitMs` to send its request: its
   * client may be slower than the kernel that accepted it, and closing it then would reset it.
   */
  async drain(deadlineAt: number, firstRequestWaitMs: number): Promise<DrainReport> {
    this.#stopping = true;
    for (const state of this.#connections.values()) for (const response of state.responses) closeAfterReply(response);
    await this.#stopListening();
    this.#stopped = true;
    this.#freshUntil = Date.now() + firstRequestWaitMs;
    const openAtStop = this.#connections.size;
    for (const [socket, state] of this.#connections) state.idleAtStop = this.#isIdle(socket, state);
    while (this.#connections.size > 0 && Date.now() < deadlineAt) {
      this.#sweep();
      await sleep(Math.min(this.options.sweepMs ?? SWEEP_MS, Math.max(1, deadlineAt - Date.now())));
      await afterPoll();
    }
    const destroyedCount = this.#connections.size;
    for (const socket of this.#connections.keys()) socket.destroy();
    return { openAtStop, destroyedCount };
  }

  #track(request: IncomingMessage, response: ServerResponse): void {
    const state = this.#connections.get(request.socket);
    if (!state) return;
    state.activeCount += 1;
    state.idleSightings = 0;
    state.responses.add(response);
    if (this.#stopping) closeAfterReply(response);
    response.once('close', () => {
      state.activeCount -= 1;
      state.servedCount += 1;
      state.responses.delete(response);
      state.bytesReadAtIdle = request.socket.bytesRead;
    });
  }

  /** Closes connections seen idle on two consecutive sweeps; busy ones close after their reply. */
  #sweep(): void {
    for (const [socket, state] of this.#connections) {
      if (!this.#isIdle(socket, state)) {
        state.idleSightings = 0;
        continue;
      }
      // Accepted before the stop, nothing sent yet: its client is about to send a request.
      if (state.servedCount === 0 && Date.now() < this.#freshUntil) continue;
      state.idleSightings += 1;
      // Nothing unread is left in the kernel (the sweeps are event-loop turns apart), so this
      // close sends a FIN, not a reset.
      if (state.idleSightings >= 2) socket.destroy();
    }
  }

  #isIdle(socket: net.Socket, state: ConnectionState): boolean {
    return state.activeCount === 0 && socket.bytesRead === state.bytesReadAtIdle;
  }

  /**
   * Closes the listening socket without Node's http `close()`, which would destroy
   * "idle" connections whose request is still unread. First the connections already queued
   * in the kernel's backlog are accepted, until none has come for ACCEPT_QUIET_MS: closing a
   * listener resets what it holds, after the client may have sent its request (on a loaded
   * host a handshake the client saw complete can reach the backlog well after the signal).
   */
  async #stopListening(): Promise<void> {
    const settleUntil = Date.now() + ACCEPT_SETTLE_MS_MAX;
    do {
      await sleep(ACCEPT_QUIET_MS);
      await afterPoll();
    } while (Date.now() - this.#lastAcceptAt < ACCEPT_QUIET_MS && Date.now() < settleUntil);
    if (this.server.listening) net.Server.prototype.close.call(this.server);
  }
}

/**
 * Resolves in the check phase, right after an I/O poll. Timers run before the poll, so after
 * the process was starved (a loaded host) a timer sees neither the connections nor the bytes
 * the kernel has been holding; every decision here is taken after the poll has read them.
 */
function afterPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The reply ends the connection: the client opens a new one, to another instance. */
function closeAfterReply(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('connection', 'close');
}
