import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit that
 * pushes the WAL past 1000 pages: that commit then copies megabytes into the database file and
 * fsyncs it, while every request of the process waits — the latency spikes of a busy server.
 * Here the serving connection never checkpoints (`wal_autocheckpoint = 0`, set by the store);
 * a worker thread with its own connection runs PASSIVE checkpoints, which never block writers
 * or readers, every `intervalMs`. Durability is unchanged: a commit is durable once in the WAL.
 */
export class Checkpointer {
  readonly #worker: Worker;

  constructor(path: string, intervalMs = 200) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    // Inline (eval) so it runs the same from src/ under tests and from dist/.
    this.#worker = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads');
      const Database = require(workerData.module);
      const db = new Database(workerData.path);
      db.pragma('busy_timeout = 1000');
      const timer = setInterval(() => {
        try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
      }, workerData.intervalMs);
      parentPort.on('message', () => { clearInterval(timer); db.close(); process.exit(0); });
      `,
      { eval: true, workerData: { module, path, intervalMs } },
    );
    this.#worker.unref();
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.ref(); // an unref'd worker would let the process end before it has exited
    this.#worker.postMessage('stop');
    await exited;
  }
}
