import type { Database } from 'better-sqlite3';
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
  return new FlexibleLimiter(
    (duration, points) =>
      new RateLimiterSQLite({
        storeClient: db,
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
