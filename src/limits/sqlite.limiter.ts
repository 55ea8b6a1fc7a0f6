import type { Database, Statement } from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import type { GroupCommit } from '../store/sqlite/group-commit.js';
import { FlexibleLimiter } from './flexible.limiter.js';
import type { BatchBackend, CounterRow } from './flexible.limiter.js';

/** The table that migration 50 creates; the library's own layout (key, points, expire). */
export const SQLITE_LIMITS_TABLE = 'limit_counters';

const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * The default: counters in the embedded SQLite store's own file, so limits survive restarts
 * and hold for every process sharing the file. Each increment is one upsert under SQLite's
 * write lock, so concurrent requests cannot both slip under a limit.
 */
export function createSqliteLimiter(db: Database, group?: GroupCommit): FlexibleLimiter {
  // One sweep of expired counters for all windows. (The library's own sweep runs per instance
  // and would throw from a timer once the store is closed.)
  const sweep = setInterval(() => {
    if (db.open) db.prepare(`DELETE FROM ${SQLITE_LIMITS_TABLE} WHERE expire < ?`).run(Date.now() - 3_600_000);
  }, SWEEP_EVERY_MS);
  sweep.unref();
  const connection = limiterConnection(db, group);
  return new FlexibleLimiter(
    (duration, points) =>
      new RateLimiterSQLite({
        storeClient: connection.client,
        storeType: 'better-sqlite3',
        tableName: SQLITE_LIMITS_TABLE,
        // Created by the store's migrations, with an index for the sweep of expired rows.
        tableCreated: true,
        clearExpiredByTimeout: false,
        points,
        duration,
        keyPrefix: 'otpgate',
      }),
    sqliteBatch(connection),
  );
}

/** The library's own upsert (same CASE on an expired window), for `upsertMany`. */
const UPSERT_SQL = `INSERT INTO ${SQLITE_LIMITS_TABLE} (key, points, expire) VALUES (?, ?, ?)
  ON CONFLICT(key) DO UPDATE SET
    points = CASE WHEN expire IS NULL OR expire > ? THEN points + excluded.points ELSE excluded.points END,
    expire = CASE WHEN expire IS NULL OR expire > ? THEN expire ELSE excluded.expire END
  RETURNING points, expire`;
/** Live counters among a JSON array of keys: one statement for a sliding window's buckets. */
const SELECT_SQL = `SELECT key, points FROM ${SQLITE_LIMITS_TABLE}
  WHERE key IN (SELECT value FROM json_each(?)) AND (expire > ? OR expire IS NULL)`;

/**
 * A request's counters in one synchronous run of cached statements, inside the current
 * group-commit batch when there is one: no promise per counter.
 */
function sqliteBatch({ prepare, write }: LimiterConnection): BatchBackend {
  return {
    async upsertMany(items) {
      const now = Date.now();
      const upsert = prepare(UPSERT_SQL);
      return write(() => items.map((i) => upsert.get(i.key, i.cost, now + i.windowMs, now, now) as CounterRow));
    },
    async pointsOf(keys) {
      const now = Date.now();
      const rows = prepare(SELECT_SQL).all(JSON.stringify(keys), now) as Array<{ key: string; points: number }>;
      const points = new Map(rows.map((r) => [r.key, r.points]));
      return keys.map((key) => points.get(key) ?? 0);
    },
  };
}

interface LimiterConnection {
  /** The connection as rate-limiter-flexible sees it. */
  client: Database;
  /** Prepared statements cached by SQL text (prepared on first use: the table comes from migrations). */
  prepare(sql: string): Statement;
  /** Runs counter writes atomically: in the current group-commit batch, or a transaction of their own. */
  write<T>(run: () => T): T;
}

/**
 * The connection for counters, with two changes measured in the start benchmark:
 *
 * - rate-limiter-flexible prepares its upsert on every call (~7 % of the server's CPU with
 *   several counters per request). Its SQL strings are fixed (one table), so caching prepared
 *   statements by text is bounded and safe: `get`/`run` do not hold them open.
 * - it wraps each upsert in its own transaction, i.e. one COMMIT (a WAL append) per counter,
 *   4–6 per start. With the store's group commit, the upsert joins the batch of the current
 *   event-loop turn instead (the request's own writes are in the same batch), so a request's
 *   counters cost no commit of their own. One statement is atomic by itself, so the race rule
 *   holds; BEGIN IMMEDIATE holds the write lock for other processes. The count is answered
 *   before the batch commits: if that commit fails, the request's own writes fail with it, and a
 *   refusal based on a count that was then rolled back refused nothing it should have allowed
 *   for long.
 */
function limiterConnection(db: Database, group: GroupCommit | undefined): LimiterConnection {
  const statements = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const write = <T>(run: () => T): T => {
    if (!group) return db.transaction(run)();
    // The batch's commit is awaited by the request's own writes; here only a failure to open
    // it matters (it throws, and the caller reports the error).
    group.join().catch(() => {});
    return run();
  };
  const client = new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      if (property === 'transaction') return (fn: (...args: unknown[]) => unknown) => (...args: unknown[]) => write(() => fn(...args));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, prepare, write };
}
