import type { ConsumeItem, RateLimiter } from './ports.js';

/**
 * A count over the last `buckets` time buckets (the current one included), kept in any
 * `RateLimiter` backend. Time comes from the caller, so windows move with a fake clock in
 * tests. Each bucket key lives for the whole window, so old buckets are there to be summed.
 */
export class SlidingWindow {
  readonly windowMs: number;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly name: string,
    readonly bucketMs: number,
    readonly buckets: number,
  ) {
    this.windowMs = bucketMs * buckets;
  }

  #key(series: string, index: number): string {
    return `${this.name}:${this.bucketMs / 1000}:${series}:${index}`;
  }

  #ttlMs(): number {
    // Whole seconds (the port's rule), one bucket longer than the window so the oldest bucket
    // is still there while it counts.
    return Math.ceil((this.windowMs + this.bucketMs) / 1000) * 1000;
  }

  index(now: number): number {
    return Math.floor(now / this.bucketMs);
  }

  /** Adds to the current bucket; returns that bucket's count. */
  async add(series: string, now: number, by = 1): Promise<number> {
    const item = this.addition(series, now, by);
    const decision = await this.limiter.consume(item.key, item.limit, item.windowMs, item.cost);
    return decision.count;
  }

  /** `add` as an item of a caller's `consumeAll` (the decision's count is the bucket's). */
  addition(series: string, now: number, by = 1): ConsumeItem {
    return { key: this.#key(series, this.index(now)), limit: Number.MAX_SAFE_INTEGER, windowMs: this.#ttlMs(), cost: by };
  }

  async remove(series: string, now: number, by = 1): Promise<void> {
    await this.limiter.refund(this.#key(series, this.index(now)), this.#ttlMs(), by);
  }

  /** Counts per bucket, oldest first, for the `count` buckets ending `skip` buckets before the current one. */
  async counts(series: string, now: number, count = this.buckets, skip = 0): Promise<number[]> {
    const last = this.index(now) - skip;
    const indexes = Array.from({ length: count }, (_, i) => last - count + 1 + i);
    return this.limiter.countMany(indexes.map((i) => this.#key(series, i)), this.#ttlMs());
  }

  async total(series: string, now: number, count = this.buckets, skip = 0): Promise<number> {
    return (await this.counts(series, now, count, skip)).reduce((a, b) => a + b, 0);
  }

  /** Forgets every bucket of the window. */
  async clear(series: string, now: number): Promise<void> {
    const last = this.index(now);
    await Promise.all(Array.from({ length: this.buckets }, (_, i) => this.limiter.reset(this.#key(series, last - i), this.#ttlMs())));
  }

  /** When the oldest non-empty bucket of the window leaves it (epoch ms), or null if all are empty. */
  async nextRoomAt(series: string, now: number): Promise<number | null> {
    const counts = await this.counts(series, now);
    const oldest = counts.findIndex((n) => n > 0);
    if (oldest < 0) return null;
    const bucketIndex = this.index(now) - this.buckets + 1 + oldest;
    return (bucketIndex + this.buckets) * this.bucketMs;
  }
}
