// Child processes of the run (API, worker, reference server, webhook receiver): started with
// their output in a log file, tracked, and always stopped: SIGTERM first (the API and the
// worker drain and, under --cpu-prof, write their profile), SIGKILL after a bound.
import { fork, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set();

/** Bound on a graceful stop before SIGKILL; the API's own drain bound is set below this. */
export const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts `node <args>` with `env` added to a minimal environment, its output in logPath.
 * `ipc: true` forks with an IPC channel (used by the webhook receiver and reference server).
 */
export function startNode(name, args, { env = {}, logPath, ipc = false, nodeArgs = [] }) {
  const log = createWriteStream(logPath, { flags: 'a' });
  const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  const child = ipc
    ? fork(args[0], args.slice(1), { env: childEnv, execArgv: nodeArgs, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(process.execPath, [...nodeArgs, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const handle = { name, child, pid: child.pid, logPath, exited, exitInfo: null, startedAtMs: Date.now() };
  exited.then((info) => {
    handle.exitInfo = info;
    running.delete(handle);
  });
  running.add(handle);
  return handle;
}

/** SIGTERM, wait up to timeoutMs, then SIGKILL. Resolves with the exit code and signal. */
export async function stopChild(handle, timeoutMs = STOP_TIMEOUT_MS) {
  if (handle.exitInfo) return handle.exitInfo;
  handle.child.kill('SIGTERM');
  const result = await Promise.race([handle.exited, sleep(timeoutMs, null)]);
  if (result) return result;
  handle.child.kill('SIGKILL');
  return handle.exited;
}

/** Stops every child still running, all at once (used on success, error and SIGINT). */
export async function stopAll() {
  await Promise.all([...running].map((handle) => stopChild(handle)));
}

/** The last lines of a child's log, for an error message when it fails to start. */
export function logTail(handle, lines = 20) {
  try {
    return readFileSync(handle.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls url until it answers 200, the child exits, or timeoutMs passes. */
export async function waitForHttp(handle, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle.exitInfo)
      throw new Error(`${handle.name} exited during start-up (code ${handle.exitInfo.code}):\n${logTail(handle)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`${handle.name} not ready at ${url} within ${timeoutMs} ms:\n${logTail(handle)}`);
}

/** The first IPC message of a forked child matching `type`, within timeoutMs. */
export function waitForMessage(handle, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      handle.child.off('message', onMessage);
      reject(new Error(`${handle.name}: no '${type}' message within ${timeoutMs} ms:\n${logTail(handle)}`));
    }, timeoutMs);
    function onMessage(message) {
      if (message?.type !== type) return;
      clearTimeout(timer);
      handle.child.off('message', onMessage);
      resolve(message);
    }
    handle.child.on('message', onMessage);
    handle.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${handle.name} exited before sending '${type}':\n${logTail(handle)}`));
    });
  });
}

/** Sends a request over IPC and waits for the reply of the given type. */
export async function ask(handle, message, replyType, timeoutMs) {
  const reply = waitForMessage(handle, replyType, timeoutMs);
  handle.child.send(message);
  return reply;
}
