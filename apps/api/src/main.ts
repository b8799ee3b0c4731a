import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig, type Config } from '@wallet/config';
import { buildApp } from './app.js';

/**
 * The API process: config, listen, and the graceful drain of DESIGN.md §4.6. On SIGTERM or
 * SIGINT: readiness turns 503 and new requests get 503 service_unavailable (Connection:
 * close); after SHUTDOWN_DELAY_MS the listener closes, in-flight requests finish, Redis and
 * the database are closed (onClose hooks), and the process exits 0 — or 1 if the whole
 * drain outlives SHUTDOWN_TIMEOUT_MS.
 */
async function main(): Promise<void> {
  const config = readConfig();
  const app = await buildApp({ config });
  await app.listen({ port: config.PORT, host: config.HOST });

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ errName: err.name }, 'fatal error: draining');
    else app.log.info({ signal, delayMs: config.SHUTDOWN_DELAY_MS }, 'draining');
    app.lifecycle.beginDrain();
    if (config.SHUTDOWN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DELAY_MS);
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
