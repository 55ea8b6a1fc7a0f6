import type { Database } from 'better-sqlite3';

/**
 * Group commit for better-sqlite3.
 *
 * A commit is the expensive part of a small write (the WAL append, its locking and, with
 * `synchronous = FULL`, an fsync), and better-sqlite3 is synchronous, so one commit per request
 * caps the request rate at one commit's cost. Instead, the first write of an event-loop turn
 * opens a transaction (BEGIN IMMEDIATE, so it also holds SQLite's write lock against other
 * processes), every write of that turn runs inside it at once — in call order, each statement
 * still atomic, so conditional updates keep their race guarantees — and one COMMIT at the end of
 * the turn (setImmediate) makes them all durable together.
 *
 * "Acknowledged only after commit" is kept: a write's promise resolves only once its batch has
 * committed, and rejects if the commit fails (everything in the batch is then rolled back).
 * Reads run at once too but hand their result out only after the open batch commits, so no
 * response can ever be built from data that a failed commit would take back.
 *
 * Write bodies must be synchronous (better-sqlite3 is); a multi-statement write wraps itself in
 * `db.transaction(...)`, which inside an open batch becomes a SAVEPOINT, so a failing write
 * undoes only its own statements and leaves the rest of the batch to commit.
 */
/**
 * The open batch of each database file in this process. A batch holds SQLite's write lock until
 * the end of its event-loop turn, and a second connection to the same file in the same process
 * (tests, tools) would otherwise block the only thread in busy_timeout waiting for a lock that
 * can only be released by that very thread. So it waits for the batch asynchronously instead.
 * Other processes just see a lock held for one turn at most.
 */
const openBatches = new Map<string, { owner: GroupCommit; batch: Promise<void> }>();

export class GroupCommit {
  readonly #db: Database;
  readonly #schedule: (commit: () => void) => void;
  readonly #file: string | null;
  #batch: Promise<void> | null = null;

  constructor(db: Database, schedule: (commit: () => void) => void = (commit) => setImmediate(commit)) {
    this.#db = db;
    this.#schedule = schedule;
    this.#file = db.memory ? null : db.name;
  }

  /** Runs `fn` inside the current batch; resolves with its result once the batch has committed. */
  write<T>(fn: () => T): Promise<Awaited<T>> {
    const other = this.#file === null ? undefined : openBatches.get(this.#file);
    if (other && other.owner !== this) return other.batch.catch(() => {}).then(() => this.write(fn));
    let batch: Promise<void>;
    try {
      batch = this.#open();
    } catch (error) {
      return Promise.reject(error);
    }
    const result = runNow(fn);
    return batch.then(() => result as Awaited<T>);
  }

  /** Runs `fn` now; hands its result out after the open batch (if any) has committed. */
  read<T>(fn: () => T): Promise<Awaited<T>> {
    const result = runNow(fn);
    return (this.#batch ? this.#batch.then(() => result) : Promise.resolve(result)) as Promise<Awaited<T>>;
  }

  /**
   * Joins the current batch (opening one if none is open) for a statement that the caller runs
   * itself, synchronously, right after; resolves when that batch has committed. For code that
   * cannot be routed through `write` (a library running its own statements).
   */
  join(): Promise<void> {
    return this.#open();
  }

  /** Commits the open batch now (before close, or before work that must not share it). */
  flush(): Promise<void> {
    return this.#batch ?? Promise.resolve();
  }

  #open(): Promise<void> {
    if (this.#batch) return this.#batch;
    this.#db.exec('BEGIN IMMEDIATE');
    const batch = new Promise<void>((resolve, reject) => {
      this.#schedule(() => {
        this.#batch = null;
        if (this.#file !== null && openBatches.get(this.#file)?.owner === this) openBatches.delete(this.#file);
        try {
          this.#db.exec('COMMIT');
          resolve();
        } catch (error) {
          if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
          reject(error);
        }
      });
    });
    // Callers attach their own handlers; this one only keeps a failed commit from being reported
    // as an unhandled rejection when no caller happens to be waiting.
    batch.catch(() => {});
    this.#batch = batch;
    if (this.#file !== null) openBatches.set(this.#file, { owner: this, batch });
    return batch;
  }
}

/**
 * Runs `fn` at once; a throw becomes a rejection. An async store method reports a failed
 * statement as a rejected promise that is handed to the caller only after the commit; until
 * then it must not count as an unhandled rejection.
 */
function runNow<T>(fn: () => T): T | Promise<never> {
  let result: T | Promise<never>;
  try {
    result = fn();
  } catch (error) {
    result = Promise.reject(error);
  }
  if (result instanceof Promise) result.catch(() => {});
  return result;
}
