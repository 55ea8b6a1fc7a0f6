import type { ConsumeItem, RateLimitDecision, RateLimiter } from '../core/ports.js';

/** One counter: its points and when its window ends (epoch ms). */
export interface Counter {
  points: number;
  expire: number;
  /** When this process last used it (persisted counters unused for a while leave memory). */
  used?: number;
}

/** Where counters are kept between restarts; changes are written at most `flushMs` apart. */
export interface CounterPersistence {
  /** The counter of `key` if its window has not ended (read when it is not in memory). */
  get(key: string, now: number): Counter | undefined;
  /** Writes these counters (null: forget the key), all at once. */
  save(changes: ReadonlyArray<[string, Counter | null]>): Promise<void>;
}

export interface CounterLimiterOptions {
  persistence?: CounterPersistence;
  /** How far apart changes are written (ms). Default 1000. */
  flushMs?: number;
  now?: () => number;
}

const SWEEP_MS = 60_000;
/** A persisted counter unused this long leaves memory (it is read back when used again). */
const IDLE_MS = 60_000;

/**
 * Rate-limit counters in this process's memory: a request's budgets cost no I/O at all. Each
 * counter is a fixed window that starts at its first point (rate-limiter-flexible's semantics,
 * which the other backends keep): `points` grow with every consumption, refused ones included,
 * until `expire`, then start again. JavaScript runs one consumption at a time, so concurrent
 * requests can never both slip under a limit.
 *
 * With `persistence` (the embedded store's SQLite file), changes are written at most `flushMs`
 * apart and at `close`, and read back at start: a crash forgets at most that last second of
 * counts — the same promise as Redis with `appendfsync everysec` (docs/security.md). Memory
 * holds only the counters used in the last minute or so (or not yet written); the others are read
 * back from the file when used again, so memory follows the traffic of a minute, not of a day's
 * windows. One process owns the counters of its file; the single-node store has one serving
 * process.
 */
export class CounterLimiter implements RateLimiter {
  readonly #counters = new Map<string, Counter>();
  readonly #changed = new Set<string>();
  readonly #persistence: CounterPersistence | undefined;
  readonly #now: () => number;
  readonly #flushTimer: NodeJS.Timeout | null;
  readonly #sweepTimer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();
  #writing = 0;

  constructor(options: CounterLimiterOptions = {}) {
    this.#persistence = options.persistence;
    this.#now = options.now ?? Date.now;
    this.#flushTimer = this.#persistence ? setInterval(() => void this.flush().catch(() => {}), options.flushMs ?? 1000) : null;
    this.#flushTimer?.unref();
    this.#sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.#sweepTimer.unref();
  }

  async consume(key: string, limit: number, windowMs: number, cost = 1): Promise<RateLimitDecision> {
    return this.#consume(key, limit, windowMs, cost);
  }

  async refund(key: string, windowMs: number, amount = 1): Promise<void> {
    checkWindow(windowMs);
    const counter = this.#live(key);
    if (!counter) return;
    counter.points -= amount;
    this.#changed.add(key);
  }

  async count(key: string, windowMs: number): Promise<number> {
    checkWindow(windowMs);
    return Math.max(0, this.#live(key)?.points ?? 0);
  }

  async reset(key: string, windowMs: number): Promise<void> {
    checkWindow(windowMs);
    // An ended counter, not a missing one: until it is written, the file's copy must not be read back.
    this.#counters.set(key, { points: 0, expire: 0, used: this.#now() });
    this.#changed.add(key);
  }

  async consumeAll(items: readonly ConsumeItem[]): Promise<RateLimitDecision[]> {
    const decisions: RateLimitDecision[] = [];
    for (const item of items) {
      const decision = this.#consume(item.key, item.limit, item.windowMs, item.cost ?? 1);
      decisions.push(decision);
      if (!decision.allowed) break;
    }
    return decisions;
  }

  async countMany(keys: readonly string[], windowMs: number): Promise<number[]> {
    checkWindow(windowMs);
    return keys.map((key) => Math.max(0, this.#live(key)?.points ?? 0));
  }

  /** Writes what changed since the last flush (one at a time; a failed write is tried again next time). */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (!this.#persistence || this.#changed.size === 0) return;
      const keys = [...this.#changed];
      this.#changed.clear();
      const now = this.#now();
      this.#writing++;
      try {
        await this.#persistence.save(keys.map((key) => {
          const counter = this.#counters.get(key);
          return [key, counter && counter.expire > now ? counter : null];
        }));
      } catch (error) {
        for (const key of keys) this.#changed.add(key);
        throw error;
      } finally {
        this.#writing--;
      }
    });
    return this.#flushing;
  }

  /** Stops the timers and writes the last changes. */
  async close(): Promise<void> {
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    clearInterval(this.#sweepTimer);
    await this.flush();
  }

  #consume(key: string, limit: number, windowMs: number, cost: number): RateLimitDecision {
    checkWindow(windowMs);
    const now = this.#now();
    let counter = this.#live(key, now);
    if (!counter) {
      counter = { points: 0, expire: now + windowMs, used: now };
      this.#counters.set(key, counter);
    }
    counter.points += cost;
    this.#changed.add(key);
    return { allowed: counter.points <= limit, count: counter.points, remaining: Math.max(0, limit - counter.points), resetAfterMs: counter.expire - now };
  }

  #live(key: string, now = this.#now()): Counter | undefined {
    let counter = this.#counters.get(key);
    if (counter === undefined && this.#persistence) {
      // Read back once; a key the file does not hold is remembered as ended, so the budgets
      // that are usually empty (B2's buckets) cost one read a minute, not one per request.
      counter = this.#persistence.get(key, now) ?? { points: 0, expire: 0 };
      this.#counters.set(key, counter);
    }
    if (!counter) return undefined;
    counter.used = now;
    return counter.expire > now ? counter : undefined;
  }

  /**
   * Forgets counters whose window ended (their rows are left to the store's own sweep) and,
   * when they are persisted, those unused for IDLE_MS; never one whose change is not yet written.
   */
  sweep(): void {
    const now = this.#now();
    if (this.#writing > 0) return;
    for (const [key, counter] of this.#counters) {
      if (this.#changed.has(key)) continue;
      if (counter.expire <= now || (this.#persistence && (counter.used ?? 0) < now - IDLE_MS)) this.#counters.delete(key);
    }
  }
}

function checkWindow(windowMs: number): void {
  if (!Number.isInteger(windowMs) || windowMs < 1000 || windowMs % 1000 !== 0) throw new RangeError(`windowMs must be whole seconds, got ${windowMs}`);
}
