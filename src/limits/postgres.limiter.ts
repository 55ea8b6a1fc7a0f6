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
    // Two instances creating the table at once: CREATE … IF NOT EXISTS is not atomic in
    // PostgreSQL, so the loser sees a duplicate row in pg_type (23505), a duplicate table
    // (42P07) or a duplicate type (42710). In each case the table exists.
    if (!['23505', '42P07', '42710'].includes(error.code ?? '')) throw error;
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
