import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Config } from './config.js';
import { createContainer } from './container.js';
import { registerConfiguredAdminKey, settleAdminKeys } from './main.js';

/** More crashes than this within a minute means something is wrong for good: stop re-forking. */
const MAX_RESTARTS_PER_MINUTE = 10;

/**
 * `otpgate serve --workers N` (PostgreSQL only): the primary migrates and bootstraps the admin
 * key once, then forks N processes that each run the full server (API, outbox worker, purge)
 * on the shared listening socket; node:cluster spreads connections over them. Nothing is shared
 * in memory between workers: all state is in PostgreSQL, exactly as between separate instances.
 * The primary re-forks a worker that dies and forwards SIGTERM/SIGINT so each one drains.
 */
export async function runPrimary(config: Readonly<Config>, workers: number): Promise<void> {
  const setup = await createContainer(config, { defaultMetrics: false });
  try {
    await registerConfiguredAdminKey(setup);
  } catch (error) {
    await setup.close();
    throw error;
  }
  // Keys the variable held before are revoked, and a first start's key made and printed, once a worker listens (see settleAdminKeys).
  cluster.once('listening', () => {
    void settleAdminKeys(setup)
      .catch((error: unknown) => process.stderr.write(`otpgate: could not settle the admin keys: ${error instanceof Error ? error.message : String(error)}\n`))
      .finally(() => setup.close());
  });
  const log = (message: string) => process.stderr.write(`otpgate primary ${process.pid}: ${message}\n`);

  let stopping = false;
  const restarts: number[] = [];
  const alive = new Set<Worker>();
  const fork = () => alive.add(cluster.fork());
  cluster.on('exit', (worker: Worker, code, signal) => {
    alive.delete(worker);
    if (stopping) {
      if (alive.size === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
      log(`workers keep dying (last: pid ${worker.process.pid}, code ${code}, signal ${signal}); giving up`);
      stopping = true;
      for (const w of alive) w.process.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    log(`worker ${worker.process.pid} exited (code ${code}, signal ${signal}); starting another`);
    fork();
  });
  for (let i = 0; i < workers; i++) fork();
  log(`started ${workers} workers`);

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping workers`);
    if (alive.size === 0) process.exit(0);
    for (const w of alive) w.process.kill(signal);
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
