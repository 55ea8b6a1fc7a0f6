import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Row } from '../rows.js';
import { isUnavailable, mapDatabaseError } from './postgres.errors.js';

export interface PgDatabaseOptions {
  /** `postgres://user:password@host:port/database?…` (libpq-style parameters such as sslmode work). */
  connectionString: string;
  /** Connections per process. Default 10. */
  poolMax?: number;
  /** How long a query waits for a connection before it fails as 503 (ms). Default 5000. */
  connectTimeoutMs?: number;
  /** A query without an answer for this long fails as 503 (ms), so a hung server cannot hang requests. Default 15000. */
  queryTimeoutMs?: number;
  /** Told about connections that broke while idle (the pool replaces them by itself). */
  onConnectionError?: (error: Error) => void;
}

/** Advisory lock id that serializes migrations across instances starting at once ("otpg"). */
const MIGRATION_LOCK = 0x6f747067;
const INT8_OID = 20;

/** Epoch milliseconds and counts are int8; as JS numbers they are exact below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export type Queryable = Pick<PoolClient, 'query'>;

/**
 * The pool with the two things every statement of the store needs: errors that mean "database
 * unreachable" turned into 503 in one place, and transactions that always give their
 * connection back (destroyed when it broke).
 */
export class PgDatabase {
  readonly #pool: pg.Pool;

  readonly #options: PgDatabaseOptions;
  #counterPool: pg.Pool | null = null;
  #livenessPool: pg.Pool | null = null;

  constructor(options: PgDatabaseOptions) {
    this.#options = options;
    this.#pool = this.#newPool(options.poolMax ?? 10);
  }

  #newPool(max: number, startupOptions?: string): pg.Pool {
    const pool = new pg.Pool({
      connectionString: this.#options.connectionString,
      max,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 5000,
      query_timeout: this.#options.queryTimeoutMs ?? 15_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // Names each process in pg_stat_activity, so an operator can tell instances apart.
      application_name: `otpgate/${process.pid}`,
      types,
      ...(startupOptions ? { options: startupOptions } : {}),
    });
    // Without a listener, an idle connection dropped by a database restart would crash the process.
    pool.on('error', (error) => this.#options.onConnectionError?.(error));
    // The pool takes its own listener off a connection while it is checked out, and tx() can add
    // one only once `await pool.connect()` resumes: a connection the server drops in between (a
    // shutdown's "terminating connection due to administrator command" arriving with the answer
    // to the previous statement) would be an unhandled 'error' event and crash the process. So
    // each connection keeps a listener of its own for life; the statement using it fails by
    // itself (503) and the broken connection is discarded.
    pool.on('connect', (client) => client.on('error', () => {}));
    return pool;
  }

  /**
   * A small second pool for rate-limit counters, whose commits do not wait for the WAL flush
   * (`synchronous_commit = off`). A counter is not a promise made to anyone: if the database
   * server itself crashes, the last fraction of a second of increments may be lost (never
   * corrupted), which loosens a limit by that much once, as counting in Redis without
   * persistence would. Verifications, messages and events keep full durability on the main pool.
   */
  get counterPool(): pg.Pool {
    this.#counterPool ??= this.#newPool(Math.max(2, Math.ceil((this.#options.poolMax ?? 10) / 2)), '-c synchronous_commit=off');
    return this.#counterPool;
  }

  /**
   * One connection of its own for the instance's liveness record, so a busy pool (every
   * connection waiting on a lock, say) never keeps a live instance from saying it is alive and
   * others from mistaking it for dead (see delivery/instance.ts).
   */
  get livenessPool(): pg.Pool {
    this.#livenessPool ??= this.#newPool(1);
    return this.#livenessPool;
  }

  /** The pool itself, for the PostgreSQL rate limiter (rate-limiter-flexible takes a pg Pool). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  async query<R extends QueryResultRow = Row>(sql: string, params: unknown[] = [], client: Queryable = this.#pool): Promise<pg.QueryResult<R>> {
    try {
      return await client.query<R>(sql, params);
    } catch (error) {
      throw mapDatabaseError(error);
    }
  }

  async tx<T>(run: (client: Queryable) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw mapDatabaseError(error);
    }
    // A checked-out client has no pool listener; a connection lost between statements must not crash us.
    const onError = () => {};
    client.on('error', onError);
    let broken = false;
    try {
      await this.query('BEGIN', [], client);
      const result = await run(client);
      await this.query('COMMIT', [], client);
      return result;
    } catch (error) {
      broken = isUnavailable(error) || isUnavailable((error as { cause?: unknown }).cause);
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw mapDatabaseError(error);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /** Applies what `migrations` holds and the database lacks, one transaction each, under an advisory lock. */
  async migrate(migrations: ReadonlyArray<{ version: number; name: string; sql: string }>): Promise<number> {
    // One transaction under a transaction-scoped advisory lock: instances that start together
    // queue on the lock, the first applies everything, the others then find nothing to do. DDL is
    // transactional in PostgreSQL, so a failed migration leaves no half-applied schema, and no
    // session-level lock is left behind (safe behind PgBouncer in transaction mode).
    return this.tx(async (client) => {
      await this.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK], client);
      await this.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)', [], client);
      const done = new Set((await this.query<{ version: number }>('SELECT version FROM schema_migrations', [], client)).rows.map((r) => r.version));
      let applied = 0;
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await this.query(migration.sql, [], client);
        await this.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()], client);
        applied++;
      }
      return applied;
    });
  }

  async end(): Promise<void> {
    if (this.#counterPool && !this.#counterPool.ended) await this.#counterPool.end();
    if (this.#livenessPool && !this.#livenessPool.ended) await this.#livenessPool.end();
    if (!this.#pool.ended) await this.#pool.end();
  }
}
