import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { loadConfig, ConfigError } from './config.js';
import type { Config } from './config.js';
import { runPrimary } from './cluster.js';
import { createContainer } from './container.js';
import { buildApp } from './http/app.js';

export interface ServeOptions {
  /** Processes that serve the API (node:cluster); more than 1 needs PostgreSQL. Default 1. */
  workers?: number;
}

function configOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`otpgate: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** `npm start`: serve the API until SIGTERM/SIGINT, then drain requests and the outbox. */
export async function serve(options: ServeOptions = {}): Promise<void> {
  const config = configOrExit();
  const workers = options.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) {
    if (config.store !== 'postgres') {
      // Several processes on one SQLite file would queue on its single write lock: no faster, and
      // every process would run its own outbox worker and purge against the same file.
      process.stderr.write('otpgate: --workers above 1 needs PostgreSQL (OTPGATE_DATABASE_URL=postgres://…); SQLite has one writer per file.\n');
      process.exit(2);
    }
    return runPrimary(config, workers);
  }
  await serveOne(config);
}

async function serveOne(config: Readonly<Config>): Promise<void> {
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
