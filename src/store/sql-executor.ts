import type { AttemptStore, BucketLimiter, RateLimitStore } from '../core/ports.js';
import type { AuditStore } from '../core/audit.js';
import { SqlAttemptStore } from './attempts.sql-store.js';
import { SqlAuditStore } from './audit.sql-store.js';
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

/** `?` placeholders → PostgreSQL's `$first, $first+1…` (from `$1` by default). */
export function numberPlaceholders(sql: string, first = 1): string {
  let n = first - 1;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * `names` of `target` as async functions bound to it, for a store to copy onto itself
 * (`Object.assign`). Async on purpose: the SQLite store's group commit routes only async members
 * (`groupCommitMethods`), so a copied write resolves after its batch commits like any other.
 */
export function sharedMethods<T extends object, K extends keyof T>(target: T, names: readonly K[]): Pick<T, K> {
  const bound = {} as Record<K, unknown>;
  for (const name of names) {
    const method = target[name] as (...args: unknown[]) => Promise<unknown>;
    bound[name] = async (...args: unknown[]) => method.apply(target, args);
  }
  return bound as Pick<T, K>;
}

/**
 * The attempts log, rate limits and bucket limiter on an executor, as bound functions that a
 * store copies onto itself (`Object.assign`), so both SQL stores share one implementation.
 */
export function sqlAttemptsAndLimits(executor: SqlExecutor): AttemptStore & RateLimitStore & BucketLimiter & AuditStore {
  return {
    ...sharedMethods(new SqlAuditStore(executor), ['appendAudit', 'listAudit']),
    ...sharedMethods(new SqlAttemptStore(executor), ['listAttempts', 'getAttempt', 'summarizeAttempts', 'provenTraffic']),
    ...sharedMethods(new SqlRateLimitStore(executor), [
      'createRateLimit', 'getRateLimit', 'listRateLimits', 'updateRateLimit', 'deleteRateLimit', 'createBucket', 'getBucket',
      'listBuckets', 'updateBucket', 'deleteBucket', 'findRateLimitsByName', 'consumeBucket',
    ]),
  };
}
