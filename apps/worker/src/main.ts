import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { ConfigError, loadConfig } from '@wallet/config';
import { createStore } from '@wallet/stores';
import { buildWorker } from './worker.js';

/** The worker process: config, start, and a graceful close on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`worker: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'worker' } });
  const worker = buildWorker({
    config,
    store: await createStore(config),
    logger,
    owner: `worker-${process.pid}-${Date.now()}`,
  });

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) logger.error({ error: { name: err.name } }, 'closing after an unexpected error');
    else logger.info({ signal }, 'closing');
    await worker.close();
  });

  await worker.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`worker: failed to start (${error instanceof Error ? error.name : 'unknown'})\n`);
  process.exit(1);
});
