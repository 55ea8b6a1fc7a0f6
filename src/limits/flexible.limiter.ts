import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ConsumeItem, RateLimitDecision, RateLimiter } from '../core/ports.js';

/**
 * Counts are kept far below this; it only stops the library from refusing by itself, so that
 * the one place that decides is `consume` below (the library's own limit is per instance,
 * ours is per call, and a service may change its limits at any time).
 */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** Makes one library limiter for a window of `seconds`. */
export type LimiterFactory = (seconds: number, points: number) => RateLimiterAbstract;

/** A counter's state as a backend's own batch statement returns it. */
export interface CounterRow {
  points: number;
  /** Epoch ms when the window ends, or null for none. */
  expire: number | null;
}

/**
 * One-round-trip versions of `consume` and `count` for a backend that can run them as one
 * statement, on the library's own table layout and with the library's own semantics (keys as
 * the library prefixes them). Without it, the library is called once per key.
 */
export interface BatchBackend {
  /** Adds each cost to its key (window ms each), all at once; rows in the order given. */
  upsertMany(items: ReadonlyArray<{ key: string; cost: number; windowMs: number }>): Promise<CounterRow[]>;
  /** Current points of each key (0 when absent or expired), in the order given. */
  pointsOf(keys: readonly string[]): Promise<number[]>;
}

/**
 * The `RateLimiter` port on top of rate-limiter-flexible, whatever its backend: the library
 * does the atomic increment-with-expiry in memory, SQLite, PostgreSQL or Redis; this class
 * adds the per-call limit and keeps one library instance per window length (the library fixes
 * the window per instance).
 */
export class FlexibleLimiter implements RateLimiter {
  readonly #factory: LimiterFactory;
  readonly #batch: BatchBackend | undefined;
  readonly #byWindow = new Map<number, RateLimiterAbstract>();

  constructor(factory: LimiterFactory, batch?: BatchBackend) {
    this.#factory = factory;
    this.#batch = batch;
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

  async consumeAll(items: readonly ConsumeItem[]): Promise<RateLimitDecision[]> {
    // A key twice in one statement cannot be upserted twice; one by one then.
    if (!this.#batch || items.length < 2 || new Set(items.map((i) => `${i.windowMs}:${i.key}`)).size < items.length) {
      const decisions: RateLimitDecision[] = [];
      for (const item of items) {
        const decision = await this.consume(item.key, item.limit, item.windowMs, item.cost);
        decisions.push(decision);
        if (!decision.allowed) break;
      }
      return decisions;
    }
    const rows = await this.#batch.upsertMany(
      items.map((item) => ({ key: this.instanceFor(item.windowMs).getKey(item.key), cost: item.cost ?? 1, windowMs: item.windowMs })),
    );
    const now = Date.now();
    const decisions = items.map((item, i) => {
      const row = rows[i]!;
      const count = Number(row.points);
      return { allowed: count <= item.limit, count, remaining: Math.max(0, item.limit - count), resetAfterMs: row.expire === null ? 0 : Math.max(0, Number(row.expire) - now) };
    });
    const refused = decisions.findIndex((d) => !d.allowed);
    if (refused < 0) return decisions;
    // Counted all at once: give back, in one statement too, what a one-by-one run would not
    // have counted (the library's own refund is this upsert with a negative cost).
    const giveBack = items.slice(refused + 1);
    if (giveBack.length > 0) {
      await this.#batch.upsertMany(giveBack.map((item) => ({ key: this.instanceFor(item.windowMs).getKey(item.key), cost: -(item.cost ?? 1), windowMs: item.windowMs })));
    }
    return decisions.slice(0, refused + 1);
  }

  async countMany(keys: readonly string[], windowMs: number): Promise<number[]> {
    if (!this.#batch || keys.length < 2) return Promise.all(keys.map((key) => this.count(key, windowMs)));
    const instance = this.instanceFor(windowMs);
    return (await this.#batch.pointsOf(keys.map((key) => instance.getKey(key)))).map((points) => Math.max(0, Number(points)));
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
