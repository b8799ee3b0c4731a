import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig, type Config } from '@wallet/config';
import { buildApp } from './app.js';

/** Of SHUTDOWN_TIMEOUT_MS, what is kept for closing Redis and the database after the connections. */
const CLOSE_RESERVE_MS_MAX = 2000;

/**
 * The API process: config, listen, and the lame-duck drain of DESIGN.md §4.6. On SIGTERM or
 * SIGINT: readiness turns 503 at once while every request is still served normally for
 * SHUTDOWN_DELAY_MS (the endpoints take that long to drop the pod); then the listener closes,
 * every request already received is answered (Connection: close), idle connections close,
 * Redis and the database are closed (onClose hooks), and the process exits 0 — or 1 if the
 * whole drain outlives SHUTDOWN_TIMEOUT_MS.
 */
async function main(): Promise<void> {
  const config = readConfig();
  const app = await buildApp({ config });
  await app.listen({ port: config.PORT, host: config.HOST });

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ errName: err.name }, 'fatal error: draining');
    else app.log.info({ signal, delayMs: config.SHUTDOWN_DELAY_MS }, 'draining');
    const signalledAt = Date.now();
    app.lifecycle.beginDrain();
    if (config.SHUTDOWN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DELAY_MS);
    // Requests still running at this deadline are cut off, so that closing the stores fits in the bound.
    const reserveMs = Math.min(CLOSE_RESERVE_MS_MAX, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 5));
    // A client that connected before the stop has as long to send its request as any other.
    const report = await app.lifecycle.stopAccepting(
      signalledAt + config.SHUTDOWN_TIMEOUT_MS - reserveMs,
      config.REQUEST_TIMEOUT_MS,
    );
    // Cut-off requests are worth a warning: SHUTDOWN_TIMEOUT_MS is too short for them.
    app.log[report.destroyedCount > 0 ? 'warn' : 'info'](report, 'connections drained');
    await app.close();
    app.log.info('drained');
  });
}

function readConfig(): Config {
  try {
    return loadConfig(process.env, { requireJwt: true });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  // Start-up failed (database unreachable, port in use): one line, no driver text, exit 1 so the
  // orchestrator restarts us.
  const name = error instanceof Error ? error.name : 'Error';
  const code = (error as { code?: unknown } | null)?.code;
  process.stderr.write(`api failed to start: ${name}${typeof code === 'string' ? ` (${code})` : ''}\n`);
  process.exit(1);
});
