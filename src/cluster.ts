import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Config } from './config.js';
import { createContainer } from './container.js';
import { READY, settleAdminKeys } from './main.js';
import { logStartupWarnings } from './observability/startup.js';

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
  logStartupWarnings(config, setup.logger);
  const log = (message: string) => process.stderr.write(`otpgate primary ${process.pid}: ${message}\n`);
  let stopping = false;
  // The admin keys are settled once a worker listens (see settleAdminKeys); a value that cannot
  // be an admin key stops every worker, as it stops a single process.
  let settled = false;
  cluster.on('listening', (worker) => {
    // A worker waits for this before it says it listens; one forked later is told at once.
    if (settled) worker.send(READY);
  });
  cluster.once('listening', () => {
    void settleAdminKeys(setup)
      .then(() => {
        settled = true;
        for (const w of alive) if (w.isConnected()) w.send(READY);
      })
      .catch((error: unknown) => {
        log(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
        stopping = true;
        process.exitCode = 1;
        for (const w of alive) w.process.kill('SIGTERM');
      })
      .finally(() => setup.close());
  });

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
