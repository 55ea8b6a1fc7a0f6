import { AppError, isAppError } from '../core/errors.js';
import type { BucketLimiter, BucketVerdict, RateLimiter } from '../core/ports.js';

/**
 * Twilio-style rate-limit buckets on the RateLimiter port, so that with OTPGATE_REDIS_URL they
 * are counted in Redis like every other limit (and shared by all instances). Windows are
 * aligned to `now` (the key names its window), so they follow the core's clock. A limiter that
 * cannot be reached refuses with 503, like the built-in limits in "closed" mode.
 */
export function limiterBuckets(limiter: RateLimiter): BucketLimiter {
  return {
    async consumeBucket(key: string, max: number, intervalSeconds: number, now: number): Promise<BucketVerdict> {
      const windowMs = intervalSeconds * 1000;
      const index = Math.floor(now / windowMs);
      try {
        const decision = await limiter.consume(`bucket:${key}:${index}`, max, windowMs);
        return { allowed: decision.allowed, retryAfterSeconds: Math.max(1, Math.ceil(((index + 1) * windowMs - now) / 1000)) };
      } catch (error) {
        if (isAppError(error)) throw error;
        throw new AppError('service_unavailable', 'Rate limits cannot be checked right now, so nothing was sent; retry shortly.', { retryAfterSeconds: 5, cause: error });
      }
    },
  };
}
