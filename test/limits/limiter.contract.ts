import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { RateLimiter } from '../../src/core/ports.js';

/**
 * What every RateLimiter adapter must do. An adapter is done when this passes against it
 * (memory, SQLite, Redis, PostgreSQL). Keys are random per test, so a shared backend is fine.
 */
export function limiterContract(getLimiter: () => RateLimiter): void {
  const key = () => `contract:${randomBytes(6).toString('hex')}`;

  it('allows up to the limit, then refuses with nothing remaining', async () => {
    const limiter = getLimiter();
    const k = key();
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await limiter.consume(k, 3, 60_000));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
    expect(decisions.map((d) => d.count)).toEqual([1, 2, 3, 4, 5]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0, 0]);
    for (const d of decisions) {
      expect(d.resetAfterMs).toBeGreaterThan(0);
      expect(d.resetAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('counts a cost larger than one, beyond 2^31 too', async () => {
    const limiter = getLimiter();
    const k = key();
    expect(await limiter.consume(k, 10, 60_000, 7)).toMatchObject({ allowed: true, count: 7, remaining: 3 });
    expect(await limiter.consume(k, 10, 60_000, 4)).toMatchObject({ allowed: false, count: 11 });
    const big = key();
    expect((await limiter.consume(big, 1e13, 60_000, 3_000_000_000)).count).toBe(3_000_000_000);
  });

  it('keeps keys apart', async () => {
    const limiter = getLimiter();
    const [a, b] = [key(), key()];
    await limiter.consume(a, 1, 60_000);
    expect(await limiter.consume(a, 1, 60_000)).toMatchObject({ allowed: false });
    expect(await limiter.consume(b, 1, 60_000)).toMatchObject({ allowed: true, count: 1 });
  });

  it('reads a count without consuming, refunds and resets', async () => {
    const limiter = getLimiter();
    const k = key();
    expect(await limiter.count(k, 60_000)).toBe(0);
    await limiter.consume(k, 10, 60_000, 3);
    expect(await limiter.count(k, 60_000)).toBe(3);
    expect(await limiter.count(k, 60_000)).toBe(3);
    await limiter.refund(k, 60_000, 2);
    expect(await limiter.count(k, 60_000)).toBe(1);
    await limiter.reset(k, 60_000);
    expect(await limiter.count(k, 60_000)).toBe(0);
    expect(await limiter.consume(k, 10, 60_000)).toMatchObject({ count: 1 });
  });

  it('starts again from zero when the window ends', async () => {
    const limiter = getLimiter();
    const k = key();
    await limiter.consume(k, 1, 1000);
    expect(await limiter.consume(k, 1, 1000)).toMatchObject({ allowed: false });
    // The batch path too (its own statements where the backend has them).
    const [a, b] = [key(), key()];
    const batch = [{ key: a, limit: 1, windowMs: 1000 }, { key: b, limit: 1, windowMs: 1000 }];
    await limiter.consumeAll(batch);
    expect((await limiter.consumeAll(batch)).map((d) => d.allowed)).toEqual([false]);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.count(k, 1000)).toBe(0);
    expect(await limiter.consume(k, 1, 1000)).toMatchObject({ allowed: true, count: 1 });
    expect(await limiter.countMany([a, b], 1000)).toEqual([0, 0]);
    expect((await limiter.consumeAll(batch)).map((d) => [d.allowed, d.count])).toEqual([[true, 1], [true, 1]]);
  });

  it('lets exactly `limit` of 60 concurrent consumptions through', async () => {
    const limiter = getLimiter();
    const k = key();
    const decisions = await Promise.all(Array.from({ length: 60 }, () => limiter.consume(k, 10, 60_000)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.map((d) => d.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('consumes a request\'s counters at once, in order, leaving those after a refusal uncounted', async () => {
    const limiter = getLimiter();
    const [a, b, c] = [key(), key(), key()];
    await limiter.consume(b, 5, 60_000, 5); // b is full
    const decisions = await limiter.consumeAll([
      { key: a, limit: 3, windowMs: 60_000 },
      { key: b, limit: 5, windowMs: 60_000 },
      { key: c, limit: 3, windowMs: 30_000, cost: 2 },
    ]);
    expect(decisions.map((d) => [d.allowed, d.count])).toEqual([[true, 1], [false, 6]]);
    expect(decisions[1]!.remaining).toBe(0);
    expect(decisions[1]!.resetAfterMs).toBeGreaterThan(0);
    expect(await limiter.countMany([a, b], 60_000)).toEqual([1, 6]);
    // In the order asked, a key that has no counter as 0, a key asked twice twice.
    expect(await limiter.countMany([b, c, a, b], 60_000)).toEqual([6, 0, 1, 6]);
    expect(await limiter.count(c, 30_000)).toBe(0);
    const passed = await limiter.consumeAll([
      { key: a, limit: 3, windowMs: 60_000 },
      { key: c, limit: 3, windowMs: 30_000, cost: 2 },
    ]);
    expect(passed.map((d) => [d.allowed, d.count])).toEqual([[true, 2], [true, 2]]);
  });

  it('lets exactly `limit` of 40 concurrent batches through a shared counter', async () => {
    const limiter = getLimiter();
    const shared = key();
    const results = await Promise.all(
      Array.from({ length: 40 }, () => limiter.consumeAll([{ key: key(), limit: 100, windowMs: 60_000 }, { key: shared, limit: 10, windowMs: 60_000 }])),
    );
    expect(results.filter((r) => r.every((d) => d.allowed))).toHaveLength(10);
    expect(await limiter.count(shared, 60_000)).toBe(40);
  });

  it('reads many counts at once, zero for keys it never saw', async () => {
    const limiter = getLimiter();
    const [a, b, c] = [key(), key(), key()];
    await limiter.consume(a, 10, 60_000, 3);
    await limiter.consume(c, 10, 60_000);
    expect(await limiter.countMany([a, b, c], 60_000)).toEqual([3, 0, 1]);
    expect(await limiter.countMany([], 60_000)).toEqual([]);
  });

  it('refuses windows that are not whole seconds', async () => {
    await expect(getLimiter().consume(key(), 1, 1500)).rejects.toThrow(/whole seconds/);
  });
}
