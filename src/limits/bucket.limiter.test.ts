import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import type { RateLimiter } from '../core/ports.js';
import { limiterBuckets } from './bucket.limiter.js';
import { createMemoryLimiter } from './memory.limiter.js';

describe('Twilio-style buckets on the RateLimiter port', () => {
  it('allows max per window, says when the window ends, and starts again in the next one', async () => {
    const buckets = limiterBuckets(createMemoryLimiter());
    const t0 = Date.UTC(2026, 10, 25, 12, 0, 10);
    expect(await buckets.consumeBucket('k', 2, 60, t0)).toEqual({ allowed: true, retryAfterSeconds: 50 });
    expect((await buckets.consumeBucket('k', 2, 60, t0 + 1000)).allowed).toBe(true);
    expect(await buckets.consumeBucket('k', 2, 60, t0 + 2000)).toEqual({ allowed: false, retryAfterSeconds: 48 });
    expect((await buckets.consumeBucket('other', 2, 60, t0 + 2000)).allowed).toBe(true);
    expect((await buckets.consumeBucket('k', 2, 60, t0 + 50_000)).allowed).toBe(true);
  });

  it('turns an unreachable backend into 503 service_unavailable', async () => {
    const down: RateLimiter = {
      consume: () => Promise.reject(new Error('Redis connection is not ready')),
      refund: () => Promise.resolve(),
      count: () => Promise.resolve(0),
      reset: () => Promise.resolve(),
      consumeAll: () => Promise.reject(new Error('Redis connection is not ready')),
      countMany: () => Promise.reject(new Error('Redis connection is not ready')),
    };
    const error = await limiterBuckets(down).consumeBucket('k', 1, 60, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('service_unavailable');
  });
});
