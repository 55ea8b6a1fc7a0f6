import type { Pool } from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { FlexibleLimiter } from './flexible.limiter.js';
import type { BatchBackend, CounterRow } from './flexible.limiter.js';

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
    postgresBatch(pool),
  );
}

/**
 * A request's counters in one statement each way. The upsert is the library's own (same
 * CASE on an expired window), for many rows: keys locked in key order, so two requests that
 * share keys cannot deadlock.
 */
function postgresBatch(pool: Pool): BatchBackend {
  return {
    async upsertMany(items) {
      const now = Date.now();
      const { rows } = await pool.query<CounterRow>(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS t(key, points, expire, ord)
         ), upserted AS (
           INSERT INTO ${POSTGRES_LIMITS_TABLE} AS c (key, points, expire)
           SELECT key, points, expire FROM input ORDER BY key
           ON CONFLICT (key) DO UPDATE SET
             points = CASE WHEN c.expire <= $4 THEN excluded.points ELSE c.points + excluded.points END,
             expire = CASE WHEN c.expire <= $4 THEN excluded.expire ELSE c.expire END
           RETURNING c.key, c.points, c.expire
         )
         SELECT u.points, u.expire FROM input i JOIN upserted u ON u.key = i.key ORDER BY i.ord`,
        [items.map((i) => i.key), items.map((i) => i.cost), items.map((i) => now + i.windowMs), now],
      );
      return rows;
    },
    async pointsOf(keys) {
      const { rows } = await pool.query<{ points: number }>(
        `SELECT COALESCE(c.points, 0) AS points
           FROM unnest($1::text[]) WITH ORDINALITY AS k(key, ord)
           LEFT JOIN ${POSTGRES_LIMITS_TABLE} c ON c.key = k.key AND (c.expire > $2 OR c.expire IS NULL)
          ORDER BY k.ord`,
        [keys, Date.now()],
      );
      return rows.map((r) => Number(r.points));
    },
  };
}
