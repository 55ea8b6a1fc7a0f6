import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDb } from 'better-sqlite3';
import type { CodeVault } from '../../core/code-vault.js';
import type { Row } from '../rows.js';
import { SqlStore } from '../sql.store.js';
import { SqliteDriver } from '../sql/sqlite.driver.js';
import { Checkpointer } from './checkpointer.js';
import type { GroupCommit } from './group-commit.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** Seals dev-outbox bodies at rest. */
  vault: CodeVault;
  /**
   * `normal` (default) survives a killed process, which is what a 201 promises (rule R1);
   * `full` also survives power loss, at the cost of an fsync per commit.
   */
  synchronous?: 'normal' | 'full';
}

/**
 * The embedded store: the SQL store on one SQLite file. better-sqlite3 is synchronous and the
 * process single-threaded, so each statement (and each unit of work, run synchronously in one
 * transaction) completes without interleaving; SQLite's write lock makes it atomic across
 * processes sharing the file (the CLI next to a server). Writes of one event-loop turn share
 * one commit (group-commit.ts).
 */
export class SqliteStore extends SqlStore {
  readonly #driver: SqliteDriver;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    const db = new Database(options.path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // The serving connection never checkpoints; a worker thread does (see checkpointer.ts).
    const checkpointer = options.path === ':memory:' ? null : new Checkpointer(options.path);
    if (checkpointer) db.pragma('wal_autocheckpoint = 0');
    const driver = new SqliteDriver(db);
    super(driver, {
      vault: options.vault,
      migrate: async () => migrate(db),
      beforeClose: async () => {
        await driver.group.flush().catch(() => {});
        await checkpointer?.stop();
      },
    });
    this.#driver = driver;
  }

  /** The connection, for the SQLite-backed rate limiter (it shares the file and its write lock). */
  get database(): SqliteDb {
    return this.#driver.db;
  }

  /** The group commit of this connection, so the rate limiter's upserts share its batches. */
  get groupCommit(): GroupCommit {
    return this.#driver.group;
  }
}

function migrate(db: SqliteDb): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  let applied = 0;
  // IMMEDIATE takes the write lock first, so two processes migrating at once run one after the other.
  db.transaction(() => {
    const done = new Set(db.prepare('SELECT version FROM schema_migrations').all().map((r) => (r as Row).version as number));
    for (const migration of SQLITE_MIGRATIONS) {
      if (done.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
      applied++;
    }
  }).immediate();
  return applied;
}
