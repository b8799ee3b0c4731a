// A private redis-server for the tests that must kill Redis (the shared one is never stopped).
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** Spawns redis-server on `port` without persistence; does not wait for it to answer. */
export function spawnRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
}

/** Spawns redis-server on `port` and resolves once it answers PING (about 5 s at the most). */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawnRedis(port);
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const ok = await probe
      .connect()
      .then(() => probe.ping())
      .then(
        () => true,
        () => false,
      );
    probe.disconnect();
    if (ok) return child;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

/** SIGKILLs the server (unless it is gone already) and waits for it to exit. */
export async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Polls every 50 ms until `check` is true (true) or timeoutMs passes (false). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}
