import type { BucketRecord, Page, RateLimitRecord } from '../core/model.js';
import type { BucketLimiter, BucketVerdict, ListOptions, RateLimitStore } from '../core/ports.js';
import { decodeCursor } from './cursor.js';
import { page } from './rows.js';
import type { Row } from './rows.js';
import type { SqlExecutor } from './sql-executor.js';

/** Rate limits, their buckets and the fixed-window counters that enforce them, on either SQL store. */
export class SqlRateLimitStore implements RateLimitStore, BucketLimiter {
  readonly #sql: SqlExecutor;

  constructor(executor: SqlExecutor) {
    this.#sql = executor;
  }

  async createRateLimit(r: RateLimitRecord): Promise<boolean> {
    return (await this.#sql.run(`INSERT INTO rate_limits (id, service_id, unique_name, description, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service_id, unique_name) DO NOTHING`, [r.id, r.serviceId, r.uniqueName, r.description, r.createdAt, r.updatedAt])) > 0;
  }

  async getRateLimit(serviceId: string, id: string): Promise<RateLimitRecord | null> {
    const row = await this.#sql.get('SELECT * FROM rate_limits WHERE id = ? AND service_id = ?', [id, serviceId]);
    return row ? toRateLimit(row) : null;
  }

  async listRateLimits(serviceId: string, options: ListOptions): Promise<Page<RateLimitRecord>> {
    const after = decodeCursor(options.cursor) ?? '\uffff';
    const rows = await this.#sql.all('SELECT * FROM rate_limits WHERE service_id = ? AND id < ? ORDER BY id DESC LIMIT ?', [serviceId, after, options.limit + 1]);
    return page(rows.map(toRateLimit), options.limit);
  }

  async updateRateLimit(serviceId: string, id: string, description: string | null, now: number): Promise<RateLimitRecord | null> {
    const row = await this.#sql.get('UPDATE rate_limits SET description = ?, updated_at = ? WHERE id = ? AND service_id = ? RETURNING *', [description, now, id, serviceId]);
    return row ? toRateLimit(row) : null;
  }

  async deleteRateLimit(serviceId: string, id: string): Promise<boolean> {
    // Foreign keys cascade to its buckets.
    return (await this.#sql.run('DELETE FROM rate_limits WHERE id = ? AND service_id = ?', [id, serviceId])) > 0;
  }

  async createBucket(b: BucketRecord): Promise<void> {
    await this.#sql.run(`INSERT INTO rate_limit_buckets (id, rate_limit_id, service_id, max, interval_seconds, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`, [b.id, b.rateLimitId, b.serviceId, b.max, b.intervalSeconds, b.createdAt, b.updatedAt]);
  }

  async getBucket(serviceId: string, rateLimitId: string, id: string): Promise<BucketRecord | null> {
    const row = await this.#sql.get('SELECT * FROM rate_limit_buckets WHERE id = ? AND rate_limit_id = ? AND service_id = ?', [id, rateLimitId, serviceId]);
    return row ? toBucket(row) : null;
  }

  async listBuckets(serviceId: string, rateLimitId: string, options: ListOptions): Promise<Page<BucketRecord>> {
    const after = decodeCursor(options.cursor) ?? '\uffff';
    const rows = await this.#sql.all(`SELECT * FROM rate_limit_buckets WHERE service_id = ? AND rate_limit_id = ? AND id < ?
      ORDER BY id DESC LIMIT ?`, [serviceId, rateLimitId, after, options.limit + 1]);
    return page(rows.map(toBucket), options.limit);
  }

  async updateBucket(serviceId: string, rateLimitId: string, id: string, max: number, intervalSeconds: number, now: number): Promise<BucketRecord | null> {
    const row = await this.#sql.get(`UPDATE rate_limit_buckets SET max = ?, interval_seconds = ?, updated_at = ?
      WHERE id = ? AND rate_limit_id = ? AND service_id = ? RETURNING *`, [max, intervalSeconds, now, id, rateLimitId, serviceId]);
    return row ? toBucket(row) : null;
  }

  async deleteBucket(serviceId: string, rateLimitId: string, id: string): Promise<boolean> {
    return (await this.#sql.run('DELETE FROM rate_limit_buckets WHERE id = ? AND rate_limit_id = ? AND service_id = ?', [id, rateLimitId, serviceId])) > 0;
  }

  async findRateLimitsByName(serviceId: string, uniqueNames: string[]): Promise<Array<{ rateLimit: RateLimitRecord; buckets: BucketRecord[] }>> {
    const found = [];
    for (const name of uniqueNames) {
      const row = await this.#sql.get('SELECT * FROM rate_limits WHERE service_id = ? AND unique_name = ?', [serviceId, name]);
      if (!row) continue;
      const buckets = (await this.#sql.all('SELECT * FROM rate_limit_buckets WHERE rate_limit_id = ? ORDER BY id', [row.id])).map(toBucket);
      found.push({ rateLimit: toRateLimit(row), buckets });
    }
    return found;
  }

  async consumeBucket(key: string, max: number, intervalSeconds: number, now: number): Promise<BucketVerdict> {
    // One upsert, atomic in both dialects: a window that ran out restarts at 1, otherwise the
    // count goes up. Every SET expression reads the row as it was (under its row lock in
    // PostgreSQL, the write lock in SQLite), so concurrent hits are never lost.
    const row = await this.#sql.get(`INSERT INTO bucket_hits (key, count, expires_at) VALUES (?, 1, ?)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN bucket_hits.expires_at <= ? THEN 1 ELSE bucket_hits.count + 1 END,
        expires_at = CASE WHEN bucket_hits.expires_at <= ? THEN excluded.expires_at ELSE bucket_hits.expires_at END
      RETURNING count, expires_at`, [key, now + intervalSeconds * 1000, now, now]);
    // Windows that ran out are forgotten, so the table holds only live counters.
    await this.#sql.run('DELETE FROM bucket_hits WHERE expires_at <= ?', [now]);
    return {
      allowed: Number(row!.count) <= max,
      retryAfterSeconds: Math.max(1, Math.ceil((Number(row!.expires_at) - now) / 1000)),
    };
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
