import type { Database as SqliteDb, Statement } from 'better-sqlite3';
import type { BucketRecord, Page, RateLimitRecord } from '../../core/model.js';
import type { BucketLimiter, BucketVerdict, ListOptions, RateLimitStore } from '../../core/ports.js';
import { decodeCursor } from '../cursor.js';
import { page } from './rows.js';
import type { Row } from './rows.js';

/** Rate limits, their buckets and the fixed-window counters that enforce them, on SQLite. */
export class SqliteRateLimits implements RateLimitStore, BucketLimiter {
  readonly #db: SqliteDb;
  readonly #stmt: (sql: string) => Statement;

  constructor(db: SqliteDb, prepare: (sql: string) => Statement) {
    this.#db = db;
    this.#stmt = prepare;
  }

  async createRateLimit(r: RateLimitRecord): Promise<boolean> {
    const result = this.#stmt(`INSERT INTO rate_limits (id, service_id, unique_name, description, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service_id, unique_name) DO NOTHING`).run(r.id, r.serviceId, r.uniqueName, r.description, r.createdAt, r.updatedAt);
    return result.changes > 0;
  }

  async getRateLimit(serviceId: string, id: string): Promise<RateLimitRecord | null> {
    const row = this.#stmt('SELECT * FROM rate_limits WHERE id = ? AND service_id = ?').get(id, serviceId) as Row | undefined;
    return row ? toRateLimit(row) : null;
  }

  async listRateLimits(serviceId: string, options: ListOptions): Promise<Page<RateLimitRecord>> {
    const after = decodeCursor(options.cursor) ?? '\uffff';
    const rows = this.#stmt('SELECT * FROM rate_limits WHERE service_id = ? AND id < ? ORDER BY id DESC LIMIT ?').all(serviceId, after, options.limit + 1) as Row[];
    return page(rows.map(toRateLimit), options.limit);
  }

  async updateRateLimit(serviceId: string, id: string, description: string | null, now: number): Promise<RateLimitRecord | null> {
    const row = this.#stmt('UPDATE rate_limits SET description = ?, updated_at = ? WHERE id = ? AND service_id = ? RETURNING *').get(description, now, id, serviceId) as Row | undefined;
    return row ? toRateLimit(row) : null;
  }

  async deleteRateLimit(serviceId: string, id: string): Promise<boolean> {
    // Foreign keys cascade to its buckets.
    return this.#stmt('DELETE FROM rate_limits WHERE id = ? AND service_id = ?').run(id, serviceId).changes > 0;
  }

  async createBucket(b: BucketRecord): Promise<void> {
    this.#stmt(`INSERT INTO rate_limit_buckets (id, rate_limit_id, service_id, max, interval_seconds, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(b.id, b.rateLimitId, b.serviceId, b.max, b.intervalSeconds, b.createdAt, b.updatedAt);
  }

  async getBucket(serviceId: string, rateLimitId: string, id: string): Promise<BucketRecord | null> {
    const row = this.#stmt('SELECT * FROM rate_limit_buckets WHERE id = ? AND rate_limit_id = ? AND service_id = ?').get(id, rateLimitId, serviceId) as Row | undefined;
    return row ? toBucket(row) : null;
  }

  async listBuckets(serviceId: string, rateLimitId: string, options: ListOptions): Promise<Page<BucketRecord>> {
    const after = decodeCursor(options.cursor) ?? '\uffff';
    const rows = this.#stmt(`SELECT * FROM rate_limit_buckets WHERE service_id = ? AND rate_limit_id = ? AND id < ?
      ORDER BY id DESC LIMIT ?`).all(serviceId, rateLimitId, after, options.limit + 1) as Row[];
    return page(rows.map(toBucket), options.limit);
  }

  async updateBucket(serviceId: string, rateLimitId: string, id: string, max: number, intervalSeconds: number, now: number): Promise<BucketRecord | null> {
    const row = this.#stmt(`UPDATE rate_limit_buckets SET max = ?, interval_seconds = ?, updated_at = ?
      WHERE id = ? AND rate_limit_id = ? AND service_id = ? RETURNING *`).get(max, intervalSeconds, now, id, rateLimitId, serviceId) as Row | undefined;
    return row ? toBucket(row) : null;
  }

  async deleteBucket(serviceId: string, rateLimitId: string, id: string): Promise<boolean> {
    return this.#stmt('DELETE FROM rate_limit_buckets WHERE id = ? AND rate_limit_id = ? AND service_id = ?').run(id, rateLimitId, serviceId).changes > 0;
  }

  async findRateLimitsByName(serviceId: string, uniqueNames: string[]): Promise<Array<{ rateLimit: RateLimitRecord; buckets: BucketRecord[] }>> {
    const found = [];
    for (const name of uniqueNames) {
      const row = this.#stmt('SELECT * FROM rate_limits WHERE service_id = ? AND unique_name = ?').get(serviceId, name) as Row | undefined;
      if (!row) continue;
      const buckets = (this.#stmt('SELECT * FROM rate_limit_buckets WHERE rate_limit_id = ? ORDER BY id').all(row.id) as Row[]).map(toBucket);
      found.push({ rateLimit: toRateLimit(row), buckets });
    }
    return found;
  }

  async consumeBucket(key: string, max: number, intervalSeconds: number, now: number): Promise<BucketVerdict> {
    // One upsert under SQLite's write lock: a window that ran out restarts at 1, otherwise the
    // count goes up; every SET expression reads the old row, so concurrent hits cannot be lost.
    return this.#db.transaction((): BucketVerdict => {
      const row = this.#stmt(`INSERT INTO bucket_hits (key, count, expires_at) VALUES (?, 1, ?)
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN bucket_hits.expires_at <= ? THEN 1 ELSE bucket_hits.count + 1 END,
          expires_at = CASE WHEN bucket_hits.expires_at <= ? THEN excluded.expires_at ELSE bucket_hits.expires_at END
        RETURNING count, expires_at`).get(key, now + intervalSeconds * 1000, now, now) as Row;
      this.#stmt('DELETE FROM bucket_hits WHERE expires_at <= ?').run(now);
      return {
        allowed: (row.count as number) <= max,
        retryAfterSeconds: Math.max(1, Math.ceil(((row.expires_at as number) - now) / 1000)),
      };
    })();
  }
}

function toRateLimit(row: Row): RateLimitRecord {
  return {
    id: row.id as string,
    serviceId: row.service_id as string,
    uniqueName: row.unique_name as string,
    description: (row.description as string | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

function toBucket(row: Row): BucketRecord {
  return {
    id: row.id as string,
    rateLimitId: row.rate_limit_id as string,
    serviceId: row.service_id as string,
    max: row.max as number,
    intervalSeconds: row.interval_seconds as number,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}
