import type { Clock } from '../../src/core/ports.js';

/** A clock that moves only when told. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  /** Moves the clock to `at` (never backwards). */
  set(at: number): void {
    if (at < this.now()) throw new Error('a FakeClock does not go back');
    this.advance(at - this.now());
  }

  advance(ms: number): void {
    this.current += ms;
  }
  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }
}
