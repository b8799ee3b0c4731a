// Goal: the MongoDB contract test fails fast, with a clear line, when MONGO_URL points at no
// usable server, instead of hanging until tap's timeout. Method: run the contract test file in
// a child process (the same Node flags tap gave this one) with MONGO_URL on a closed port, and
// require a failing exit within a few seconds.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freePort } from '../../../test/support/free-port.js';

/** A few seconds: the probe's bound (2 s of server selection) plus Node and TypeScript start-up. */
const FAIL_WITHIN_MS = 20_000;

t.test('MONGO_URL on a closed port: the contract test fails within seconds', async (t) => {
  const port = await freePort();
  const file = fileURLToPath(new URL('./contract.mongo.test.ts', import.meta.url));
  const startedMs = performance.now();
  const child = spawn(process.execPath, [...process.execArgv, file], {
    env: { ...process.env, MONGO_URL: `mongodb://127.0.0.1:${port}/?replicaSet=rs0` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), FAIL_WITHIN_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  const elapsedMs = performance.now() - startedMs;
  t.not(code, 0, 'the run fails');
  t.not(code, null, 'it exited by itself (not killed at the bound)');
  t.ok(elapsedMs < FAIL_WITHIN_MS, `within ${Math.round(elapsedMs)} ms`);
  t.match(output, /MONGO_URL is set but MongoDB cannot be used: StoreUnavailable/, 'with one clear reason');
  t.notMatch(output, new RegExp(`127\\.0\\.0\\.1:${port}`), 'the reason names no address');
});
