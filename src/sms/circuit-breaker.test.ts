import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from './circuit-breaker.js';

class Clock {
  t = 0;
  now(): number {
    return this.t;
  }
}

describe('CircuitBreakers', () => {
  it('opens after the threshold, lets one probe through after openMs, and closes on its success', () => {
    const clock = new Clock();
    const b = new CircuitBreakers(clock, { failureThreshold: 2, openMs: 1000 });
    b.failure('p');
    expect(b.allow('p')).toBe(true);
    b.failure('p');
    expect(b.allow('p')).toBe(false);
    clock.t = 1000;
    expect(b.allow('p')).toBe(true); // the probe
    expect(b.allow('p')).toBe(false); // only one at a time
    b.success('p');
    expect(b.allow('p')).toBe(true);
  });

  it('a released probe (the call never told us anything about the provider) lets the next call probe', () => {
    const clock = new Clock();
    const b = new CircuitBreakers(clock, { failureThreshold: 1, openMs: 1000 });
    b.failure('p');
    clock.t = 1000;
    expect(b.allow('p')).toBe(true);
    b.release('p');
    // Without the release the circuit would stay half-open with a probe that never reports: skipped for good.
    expect(b.allow('p')).toBe(true);
    b.failure('p');
    expect(b.allow('p')).toBe(false);
    expect(b.isOpen('p')).toBe(true);
  });
});
