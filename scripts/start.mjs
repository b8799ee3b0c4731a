// `npm start`: runs the built API and worker as two child processes. SIGTERM/SIGINT are
// forwarded to both (each drains on its own); when one exits unexpectedly the other is
// stopped too, and this process exits when both have exited — with 0 only if both did.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entries = { api: 'apps/api/dist/main.js', worker: 'apps/worker/dist/main.js' };
const children = new Map();
const exitCodes = new Map();
let stopping = false;

for (const [name, entry] of Object.entries(entries)) {
  const child = spawn(process.execPath, [entry], { cwd: root, env: process.env, stdio: 'inherit' });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    exitCodes.set(name, code ?? (signal ? 1 : 0));
    children.delete(name);
    if (!stopping) {
      process.stderr.write(`start: ${name} exited (${code ?? signal}); stopping the other process\n`);
      stopAll('SIGTERM');
    }
    if (children.size === 0) process.exit([...exitCodes.values()].every((value) => value === 0) ? 0 : 1);
  });
}

function stopAll(signal) {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
}

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => stopAll(signal));
