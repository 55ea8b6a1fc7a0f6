import type { Database, Statement } from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import { FlexibleLimiter } from './flexible.limiter.js';

/** The table that migration 50 creates; the library's own layout (key, points, expire). */
export const SQLITE_LIMITS_TABLE = 'limit_counters';

const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * The default: counters in the embedded SQLite store's own file, so limits survive restarts
 * and hold for every process sharing the file. Each increment is one upsert under SQLite's
 * write lock, so concurrent requests cannot both slip under a limit.
 */
export function createSqliteLimiter(db: Database): FlexibleLimiter {
  // One sweep of expired counters for all windows. (The library's own sweep runs per instance
  // and would throw from a timer once the store is closed.)
  const sweep = setInterval(() => {
    if (db.open) db.prepare(`DELETE FROM ${SQLITE_LIMITS_TABLE} WHERE expire < ?`).run(Date.now() - 3_600_000);
  }, SWEEP_EVERY_MS);
  sweep.unref();
  const client = withStatementCache(db);
  return new FlexibleLimiter(
    (duration, points) =>
      new RateLimiterSQLite({
        storeClient: client,
        storeType: 'better-sqlite3',
        tableName: SQLITE_LIMITS_TABLE,
        // Created by the store's migrations, with an index for the sweep of expired rows.
        tableCreated: true,
        clearExpiredByTimeout: false,
        points,
        duration,
        keyPrefix: 'otpgate',
      }),
  );
}

/**
 * rate-limiter-flexible prepares its upsert on every call; with several counters per request
 * that was ~7 % of the server's CPU in the start benchmark. Its SQL strings are fixed (one table),
 * so caching prepared statements by text is bounded and safe: `get`/`run` do not hold them open.
 */
function withStatementCache(db: Database): Database {
  const statements = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
