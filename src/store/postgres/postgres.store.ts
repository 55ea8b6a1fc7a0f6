import type { CodeVault } from '../../core/code-vault.js';
import { SqlStore } from '../sql.store.js';
import { PostgresDriver } from '../sql/postgres.driver.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { PgDatabase } from './postgres.pool.js';
import type { PgDatabaseOptions } from './postgres.pool.js';

export interface PostgresStoreOptions extends PgDatabaseOptions {
  /** Seals dev-outbox bodies at rest. */
  vault: CodeVault;
}

/**
 * The scale-out store: the SQL store on PostgreSQL, which any number of otpgate instances
 * share. Every guarantee the embedded store gets from SQLite's single writer is kept with row
 * locks: conditional UPDATEs that re-check their WHERE clause on the newest row version (READ
 * COMMITTED), `FOR UPDATE SKIP LOCKED` for claims, `INSERT … ON CONFLICT` for unique claims.
 */
export class PostgresStore extends SqlStore {
  readonly #db: PgDatabase;

  constructor(options: PostgresStoreOptions) {
    const db = new PgDatabase(options);
    super(new PostgresDriver(db), {
      vault: options.vault,
      migrate: () => db.migrate(POSTGRES_MIGRATIONS),
      liveness: new PostgresDriver(db, db.livenessPool),
    });
    this.#db = db;
  }

  /** The connection pool. */
  get pool(): PgDatabase['pool'] {
    return this.#db.pool;
  }

  /** The pool of the PostgreSQL rate limiter (see PgDatabase.counterPool). */
  get counterPool(): PgDatabase['pool'] {
    return this.#db.counterPool;
  }
}
