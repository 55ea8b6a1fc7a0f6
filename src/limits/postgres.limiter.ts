import type { Pool } from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { FlexibleLimiter } from './flexible.limiter.js';

export const POSTGRES_LIMITS_TABLE = 'limit_counters';

/**
 * Counters in PostgreSQL, for a deployment on PostgreSQL without Redis: every instance shares
 * them, and each increment is one atomic upsert. The table is made here rather than by the
 * library because the library's `integer` points overflow on spend counted in millionths;
 * ours is `bigint`. Call with the store's pool; resolves once the table exists.
 */
export async function createPostgresLimiter(pool: Pool): Promise<FlexibleLimiter> {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${POSTGRES_LIMITS_TABLE} (
    key varchar(255) PRIMARY KEY,
    points bigint NOT NULL DEFAULT 0,
    expire bigint
  )`).catch((error: { code?: string }) => {
    // Two instances creating the table at once: the loser sees a duplicate type; the table exists.
    if (error.code !== '23505') throw error;
  });
  return new FlexibleLimiter(
    (duration, points) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: POSTGRES_LIMITS_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: true,
        points,
        duration,
        keyPrefix: 'otpgate',
      }),
  );
}
