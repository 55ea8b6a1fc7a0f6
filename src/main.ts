import { pathToFileURL } from 'node:url';
import { loadConfig, ConfigError } from './config.js';
import { createContainer } from './container.js';
import { buildApp } from './http/app.js';

/** `npm start`: serve the API until SIGTERM/SIGINT, then drain requests and the outbox. */
export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`otpgate: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const container = await createContainer(config);
  const issued = await container.tenancy.bootstrapAdminKey(config.adminKey);
  if (issued) {
    // Printed once, to the terminal only: it is stored hashed and cannot be shown again.
    process.stdout.write(
      `\n  otpgate: generated an admin key (shown once, store it now):\n\n    ${issued.secret}\n\n` +
        `  Set OTPGATE_ADMIN_KEY to choose your own.\n\n`,
    );
  }
  const app = await buildApp(container);
  await app.listen({ port: config.port, host: config.host });
  container.startWorkers();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    container.logger.info({ signal }, 'shutting down: draining requests and the outbox');
    const force = setTimeout(() => {
      container.logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    force.unref();
    try {
      await app.close();
      await container.close();
      process.exit(0);
    } catch (error) {
      container.logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve().catch((error: unknown) => {
    process.stderr.write(`otpgate: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
