import type { AttemptStore, BucketLimiter, RateLimitStore } from '../core/ports.js';
import { SqlAttemptStore } from './attempts.sql-store.js';
import { SqlRateLimitStore } from './rate-limits.sql-store.js';
import type { Row } from './rows.js';

/**
 * The few statement shapes the dialect-neutral parts of the SQL stores need. SQL is written once
 * with `?` placeholders; the PostgreSQL executor numbers them (`$1, $2…`). Only for statements
 * whose SQL is the same in both dialects and holds no literal `?`.
 */
export interface SqlExecutor {
  all(sql: string, params: unknown[]): Promise<Row[]>;
  get(sql: string, params: unknown[]): Promise<Row | undefined>;
  /** Rows changed. */
  run(sql: string, params: unknown[]): Promise<number>;
}

/** `?` placeholders → PostgreSQL's `$1, $2…`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * The attempts log, rate limits and bucket limiter on an executor, as plain bound functions that
 * a store copies onto itself (`Object.assign`), so both SQL stores share one implementation.
 */
export function sqlAttemptsAndLimits(executor: SqlExecutor): AttemptStore & RateLimitStore & BucketLimiter {
  const attempts = new SqlAttemptStore(executor);
  const limits = new SqlRateLimitStore(executor);
  return {
    listAttempts: (...args) => attempts.listAttempts(...args),
    getAttempt: (...args) => attempts.getAttempt(...args),
    summarizeAttempts: (...args) => attempts.summarizeAttempts(...args),
    createRateLimit: (...args) => limits.createRateLimit(...args),
    getRateLimit: (...args) => limits.getRateLimit(...args),
    listRateLimits: (...args) => limits.listRateLimits(...args),
    updateRateLimit: (...args) => limits.updateRateLimit(...args),
    deleteRateLimit: (...args) => limits.deleteRateLimit(...args),
    createBucket: (...args) => limits.createBucket(...args),
    getBucket: (...args) => limits.getBucket(...args),
    listBuckets: (...args) => limits.listBuckets(...args),
    updateBucket: (...args) => limits.updateBucket(...args),
    deleteBucket: (...args) => limits.deleteBucket(...args),
    findRateLimitsByName: (...args) => limits.findRateLimitsByName(...args),
    consumeBucket: (...args) => limits.consumeBucket(...args),
  };
}
