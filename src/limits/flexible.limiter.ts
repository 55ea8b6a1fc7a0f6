import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimiter } from '../core/ports.js';

/**
 * Counts are kept far below this; it only stops the library from refusing by itself, so that
 * the one place that decides is `consume` below (the library's own limit is per instance,
 * ours is per call, and a service may change its limits at any time).
 */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** Makes one library limiter for a window of `seconds`. */
export type LimiterFactory = (seconds: number, points: number) => RateLimiterAbstract;

/**
 * The `RateLimiter` port on top of rate-limiter-flexible, whatever its backend: the library
 * does the atomic increment-with-expiry in memory, SQLite, PostgreSQL or Redis; this class
 * adds the per-call limit and keeps one library instance per window length (the library fixes
 * the window per instance).
 */
export class FlexibleLimiter implements RateLimiter {
  readonly #factory: LimiterFactory;
  readonly #byWindow = new Map<number, RateLimiterAbstract>();

  constructor(factory: LimiterFactory) {
    this.#factory = factory;
  }

  /** The library instance for a window; the Redis adapter hands it to the library as insurance. */
  instanceFor(windowMs: number): RateLimiterAbstract {
    if (!Number.isInteger(windowMs) || windowMs < 1000 || windowMs % 1000 !== 0) {
      throw new RangeError(`windowMs must be whole seconds, got ${windowMs}`);
    }
    let limiter = this.#byWindow.get(windowMs);
    if (!limiter) {
      limiter = this.#factory(windowMs / 1000, UNBOUNDED);
      this.#byWindow.set(windowMs, limiter);
    }
    return limiter;
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<RateLimitDecision> {
    const res = await settle(this.instanceFor(windowMs).consume(key, cost));
    // Number(): PostgreSQL returns bigint columns as strings.
    const count = Number(res.consumedPoints);
    return { allowed: count <= limit, count, remaining: Math.max(0, limit - count), resetAfterMs: Math.max(0, res.msBeforeNext) };
  }

  async refund(key: string, windowMs: number, amount = 1): Promise<void> {
    await settle(this.instanceFor(windowMs).reward(key, amount));
  }

  async count(key: string, windowMs: number): Promise<number> {
    const res = await settle(this.instanceFor(windowMs).get(key));
    return res === null ? 0 : Math.max(0, Number(res.consumedPoints));
  }

  async reset(key: string, windowMs: number): Promise<void> {
    await settle(this.instanceFor(windowMs).delete(key));
  }
}

/**
 * The library rejects with a RateLimiterRes when a limit is exceeded and with an Error when its
 * store fails. Our instances never exceed (UNBOUNDED), so a RateLimiterRes is still an answer
 * and only an Error means "backend unavailable".
 */
async function settle<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof RateLimiterRes) return error as T;
    throw error instanceof Error ? error : new Error(String(error));
  }
}
