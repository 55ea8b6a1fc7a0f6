import { CounterLimiter } from './counters.limiter.js';

/** Counters in this process only, kept nowhere: unit tests, and nothing else (they vanish on restart). */
export function createMemoryLimiter(): CounterLimiter {
  return new CounterLimiter();
}
