import { createHash } from 'node:crypto';
import { AppError } from './errors.js';
import { newId } from './ids.js';
import type { BucketRecord, Page, RateLimitRecord, Tenant } from './model.js';
import type { BucketLimiter, Clock, RandomSource, RateLimitStore } from './ports.js';
import { counterScope } from './scope.js';
import type { LiveTenant } from './scope.js';

const UNIQUE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_INTERVAL_SECONDS = 86_400 * 31;

export interface RateLimitServiceDeps {
  store: RateLimitStore;
  limiter: BucketLimiter;
  clock: Clock;
  random: RandomSource;
}

/**
 * Integrator-defined rate limits (Twilio's RateLimits and Buckets): a service names a limit
 * (`end_user_ip_address`), gives it buckets (at most `max` per `interval` seconds), and every
 * start that passes a value for that name counts against each bucket for that value.
 *
 * The definitions are configuration, one for both modes: any key of the service reads them, only
 * a live one changes them (`LiveTenant`). The counts are data: each mode counts in its own.
 */
export class RateLimitService {
  readonly #deps: RateLimitServiceDeps;

  constructor(deps: RateLimitServiceDeps) {
    this.#deps = deps;
  }

  async create(tenant: LiveTenant, uniqueName: string, description: string | null): Promise<RateLimitRecord> {
    const { store, clock, random } = this.#deps;
    if (!UNIQUE_NAME.test(uniqueName)) throw new AppError('invalid_unique_name', 'A rate limit\'s unique name is 1–64 letters, digits, ".", "_" or "-".');
    const now = clock.now();
    const record: RateLimitRecord = { id: newId('rlk', clock, random), serviceId: tenant.serviceId, uniqueName, description: validDescription(description), createdAt: now, updatedAt: now };
    if (!(await store.createRateLimit(record))) throw new AppError('duplicate_unique_name', `This service already has a rate limit named "${uniqueName}".`);
    return record;
  }

  async get(tenant: Tenant, id: string): Promise<RateLimitRecord> {
    const found = await this.#deps.store.getRateLimit(tenant.serviceId, id);
    if (!found) throw new AppError('not_found', `No rate limit ${id}.`);
    return found;
  }

  list(tenant: Tenant, cursor: string | undefined, limit: number): Promise<Page<RateLimitRecord>> {
    return this.#deps.store.listRateLimits(tenant.serviceId, { cursor, limit });
  }

  async update(tenant: LiveTenant, id: string, description: string | null): Promise<RateLimitRecord> {
    const updated = await this.#deps.store.updateRateLimit(tenant.serviceId, id, validDescription(description), this.#deps.clock.now());
    if (!updated) throw new AppError('not_found', `No rate limit ${id}.`);
    return updated;
  }

  async remove(tenant: LiveTenant, id: string): Promise<void> {
    if (!(await this.#deps.store.deleteRateLimit(tenant.serviceId, id))) throw new AppError('not_found', `No rate limit ${id}.`);
  }

  async createBucket(tenant: LiveTenant, rateLimitId: string, max: number, intervalSeconds: number): Promise<BucketRecord> {
    const { store, clock, random } = this.#deps;
    await this.get(tenant, rateLimitId);
    validBucket(max, intervalSeconds);
    await this.#intervalFree(tenant, rateLimitId, intervalSeconds, null);
    const now = clock.now();
    const bucket: BucketRecord = { id: newId('bkt', clock, random), rateLimitId, serviceId: tenant.serviceId, max, intervalSeconds, createdAt: now, updatedAt: now };
    await store.createBucket(bucket);
    return bucket;
  }

  async getBucket(tenant: Tenant, rateLimitId: string, id: string): Promise<BucketRecord> {
    const found = await this.#deps.store.getBucket(tenant.serviceId, rateLimitId, id);
    if (!found) throw new AppError('not_found', `No bucket ${id}.`);
    return found;
  }

  async listBuckets(tenant: Tenant, rateLimitId: string, cursor: string | undefined, limit: number): Promise<Page<BucketRecord>> {
    await this.get(tenant, rateLimitId);
    return this.#deps.store.listBuckets(tenant.serviceId, rateLimitId, { cursor, limit });
  }

  async updateBucket(tenant: LiveTenant, rateLimitId: string, id: string, patch: { max?: number | undefined; intervalSeconds?: number | undefined }): Promise<BucketRecord> {
    const current = await this.getBucket(tenant, rateLimitId, id);
    const max = patch.max ?? current.max;
    const interval = patch.intervalSeconds ?? current.intervalSeconds;
    validBucket(max, interval);
    if (interval !== current.intervalSeconds) await this.#intervalFree(tenant, rateLimitId, interval, id);
    const updated = await this.#deps.store.updateBucket(tenant.serviceId, rateLimitId, id, max, interval, this.#deps.clock.now());
    if (!updated) throw new AppError('not_found', `No bucket ${id}.`);
    return updated;
  }

  /**
   * One bucket per interval and rate limit, as Twilio has it (60211): two buckets of one window
   * would just be one bucket with the smaller max. Checked before the write; two concurrent
   * creates of one interval could both pass, which leaves the stricter max in force anyway.
   */
  async #intervalFree(tenant: Tenant, rateLimitId: string, intervalSeconds: number, exceptId: string | null): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.#deps.store.listBuckets(tenant.serviceId, rateLimitId, { cursor, limit: 200 });
      if (page.data.some((b) => b.intervalSeconds === intervalSeconds && b.id !== exceptId)) {
        throw new AppError('duplicate_bucket_interval', `This rate limit already has a bucket of ${intervalSeconds} s; change that one instead.`);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  async removeBucket(tenant: LiveTenant, rateLimitId: string, id: string): Promise<void> {
    if (!(await this.#deps.store.deleteBucket(tenant.serviceId, rateLimitId, id))) throw new AppError('not_found', `No bucket ${id}.`);
  }

  /**
   * Counts one start against every bucket of every rate limit named in `values`; refuses with
   * `rate_limited` (429, Retry-After) when any bucket is full. A name the service does not
   * define is an error, so a typo cannot silently disable a limit.
   */
  async enforce(tenant: Tenant, values: Record<string, string> | undefined): Promise<void> {
    if (values === undefined) return;
    const names = Object.keys(values);
    if (names.length === 0) return;
    if (names.length > 20) throw new AppError('invalid_request', 'At most 20 rate limits per request.');
    const { store, limiter, clock } = this.#deps;
    const found = await store.findRateLimitsByName(tenant.serviceId, names);
    const missing = names.filter((name) => !found.some((f) => f.rateLimit.uniqueName === name));
    if (missing.length > 0) throw new AppError('invalid_request', `Invalid parameter \`RateLimits\`: no rate limit named ${missing.map((m) => `"${m}"`).join(', ')}.`);
    const now = clock.now();
    for (const { rateLimit, buckets } of found) {
      const value = values[rateLimit.uniqueName];
      if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
        throw new AppError('invalid_request', `The value for rate limit "${rateLimit.uniqueName}" must be 1–256 characters.`);
      }
      // The value (an IP, a user id) is kept only as a digest inside the counter key.
      const digest = createHash('sha256').update(value).digest('base64url').slice(0, 22);
      for (const bucket of buckets) {
        // Each mode counts in its own counters (counterScope), so test starts never fill a live bucket.
        const verdict = await limiter.consumeBucket(`${counterScope(tenant)}:${bucket.id}:${digest}`, bucket.max, bucket.intervalSeconds, now);
        if (!verdict.allowed) {
          throw new AppError('rate_limited', `Rate limit "${rateLimit.uniqueName}" allows ${bucket.max} per ${bucket.intervalSeconds} s for this value.`, {
            retryAfterSeconds: verdict.retryAfterSeconds,
            // Every 429 carries the IETF RateLimit fields (docs/abuse.md); the policy is the limit's own name.
            rateLimit: {
              policy: rateLimit.uniqueName,
              limit: bucket.max,
              windowSeconds: bucket.intervalSeconds,
              remaining: 0,
              resetSeconds: verdict.retryAfterSeconds,
            },
          });
        }
      }
    }
  }
}

function validDescription(description: string | null): string | null {
  if (description !== null && description.length > 256) throw new AppError('invalid_request', 'A description is at most 256 characters.');
  return description;
}

function validBucket(max: number, intervalSeconds: number): void {
  if (!Number.isInteger(max) || max < 1 || max > 1_000_000) throw new AppError('invalid_request', 'Invalid parameter `Max`: an integer from 1 to 1000000.');
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1 || intervalSeconds > MAX_INTERVAL_SECONDS) {
    throw new AppError('invalid_request', `Invalid parameter \`Interval\`: seconds from 1 to ${MAX_INTERVAL_SECONDS}.`);
  }
}
