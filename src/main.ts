import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { loadConfig, ConfigError } from './config.js';
import type { Config } from './config.js';
import { runPrimary } from './cluster.js';
import { createContainer } from './container.js';
import type { Container } from './container.js';
import type { AuditActor } from './core/audit.js';
import { AppError } from './core/errors.js';
import { ADMIN_KEY_MIN_GUESSES_LOG10, guessesLog10 } from './core/key-strength.js';
import { buildApp } from './http/app.js';
import { apiKeyView } from './http/views.js';
import { logStartupWarnings, serverFacts, startupSummary } from './observability/startup.js';
import { packageVersion } from './version.js';

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

const SYSTEM: AuditActor = { kind: 'system', keyId: null, mode: null };
const SYSTEM_AUDIT = { actor: SYSTEM, serviceId: null, requestId: null, sourceIp: null };

/**
 * Once the server listens, never before, so a start that fails (a port in use, a laptop pointed
 * at the wrong database) changes nothing and swallows no key: the key OTPGATE_ADMIN_KEY holds is
 * registered, the keys it held before are revoked (each logged and audited), and on a first
 * start (no active bearer admin key) one is generated and printed, once, to the terminal. Should
 * every key ever be lost, `otpgate admin-keys create` makes a new one.
 */
export async function settleAdminKeys(c: Container): Promise<void> {
  // The configuration already refused values with too few different characters; this refuses
  // the guessable ones that have enough (a run, a sequence, a keyboard walk, words).
  if (c.config.adminKey !== null && (await guessesLog10(c.config.adminKey)) < ADMIN_KEY_MIN_GUESSES_LOG10) {
    throw new AppError('invalid_request', 'OTPGATE_ADMIN_KEY is too easy to guess (a run, a sequence, a keyboard walk or words); use a random value: openssl rand -base64 32');
  }
  const report = await c.tenancy.registerConfiguredAdminKey(c.config.adminKey);
  if (report.registered) {
    await c.audit.record({ ...SYSTEM_AUDIT, action: 'admin_key.created', targetId: report.registered.id, before: null, after: apiKeyView(report.registered) });
  }
  if (report.configuredWasRevoked) {
    c.logger.error('OTPGATE_ADMIN_KEY holds a key that was revoked, so it does not work; set a new value (openssl rand -base64 32) or make a key with `otpgate admin-keys create`');
  }
  for (const id of await c.tenancy.retireEnvAdminKeys(c.config.adminKey)) {
    c.logger.warn({ key_id: id }, 'revoked the admin key OTPGATE_ADMIN_KEY held before: it no longer holds it');
    await c.audit.record({ ...SYSTEM_AUDIT, action: 'admin_key.revoked', targetId: id, before: null, after: null });
  }
  const issued = await c.tenancy.ensureAdminKey();
  if (!issued) return;
  await c.audit.record({ ...SYSTEM_AUDIT, action: 'admin_key.created', targetId: issued.record.id, before: null, after: apiKeyView(issued.record) });
  // Stored hashed: it cannot be shown again.
  process.stdout.write(
    `\n  otpgate: generated an admin key (shown once, store it now):\n\n    ${issued.secret}\n\n` +
      `  Set OTPGATE_ADMIN_KEY to choose your own; \`otpgate admin-keys create\` (in a clone: \`npm run -s otpgate -- admin-keys create\`) makes more.\n\n`,
  );
}

/** A worker's wait for the primary to have settled the admin keys (cluster.ts sends READY). */
export const READY = 'otpgate:admin-keys-settled';
let markReady: () => void = () => {};
const primaryReady = new Promise<void>((resolve) => (markReady = resolve));
function onPrimaryMessage(message: unknown): void {
  if (message === READY) markReady();
}

async function serveOne(config: Readonly<Config>): Promise<void> {
  const container = await createContainer(config);
  const app = await buildApp(container);
  // Fastify's own line says the port is bound; "listening" is said below, once the admin keys
  // are settled, so whoever waits for it (a deploy script, a test) can use the key at once.
  if (cluster.isWorker) process.on('message', onPrimaryMessage);
  const address = await app.listen({ port: config.port, host: config.host, listenTextResolver: (bound) => `bound to ${bound}` });
  if (typeof config.trustProxy === 'number' && !cluster.isWorker) {
    container.logger.info(
      `OTPGATE_TRUST_PROXY=${config.trustProxy} takes every peer for a proxy, so OTPGATE_MAX_CONNECTIONS_PER_ADDRESS applies to nobody: ` +
        'cap connections per client in the proxy (deploy/nginx.conf has limit_conn), or list the proxies\' addresses instead to keep the cap for everyone else',
    );
  }
  // Under --workers the primary settles the admin keys once, for all workers (cluster.ts).
  if (cluster.isWorker) await primaryReady;
  else await settleAdminKeys(container);
  await container.startWorkers();
  container.logger.info(`Server listening at ${address}`);
  const bound = app.server.address();
  const listen = bound !== null && typeof bound === 'object' ? `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : address;
  const summary = startupSummary(serverFacts(config, packageVersion(), listen));
  container.logger.info(summary.fields, summary.message);
  // Under --workers the primary warns, once (cluster.ts).
  if (!cluster.isWorker) logStartupWarnings(config, container.logger);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    container.logger.info({ signal }, 'shutting down: draining requests and the outbox');
    const force = setTimeout(() => {
      container.logger.error('shutdown timed out; exiting');
      // What this instance still holds is free for the others at once, if the database answers within a second.
      const forgotten = container.instance.stop();
      void Promise.race([forgotten, new Promise((resolve) => setTimeout(resolve, 1000))]).finally(() => process.exit(1));
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
