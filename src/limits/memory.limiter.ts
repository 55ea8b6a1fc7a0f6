import { RateLimiterMemory } from 'rate-limiter-flexible';
import { FlexibleLimiter } from './flexible.limiter.js';

/** Counters in this process only: unit tests, and nothing else (they vanish on restart). */
export function createMemoryLimiter(): FlexibleLimiter {
  return new FlexibleLimiter((duration, points) => new RateLimiterMemory({ points, duration, keyPrefix: 'otpgate' }));
}
