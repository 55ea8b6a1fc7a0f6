import type { Clock } from '../core/ports.js';

export interface CircuitBreakerOptions {
  /** Consecutive retryable failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before one probe is let through (ms). Default 30000. */
  openMs?: number;
}

type State = { failures: number; openUntil: number; probing: boolean };

/**
 * One breaker per configured provider (keyed by scope and name), shared by the fresh provider
 * instances built for each send, so per-tenant state never lives on a provider object (rule R2).
 *
 * Written here rather than taken from opossum or cockatiel: both read the wall clock themselves
 * and wrap the call, while the worker needs "may I call?" and "it failed" as separate steps on
 * the injected Clock, so tests drive the open → half-open transition deterministically.
 */
export class CircuitBreakers {
  readonly #states = new Map<string, State>();
  readonly #threshold: number;
  readonly #openMs: number;

  constructor(private readonly clock: Clock, options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#openMs = options.openMs ?? 30_000;
  }

  /** True when a call may go out: the circuit is closed, or open long enough for one probe. */
  allow(key: string): boolean {
    const state = this.#states.get(key);
    if (!state || state.failures < this.#threshold) return true;
    if (this.clock.now() < state.openUntil || state.probing) return false;
    state.probing = true;
    return true;
  }

  /**
   * A call that `allow` let through did not reach the provider, or failed for a reason that says
   * nothing about it (our own database was down): the next call may probe again.
   */
  release(key: string): void {
    const state = this.#states.get(key);
    if (state) state.probing = false;
  }

  success(key: string): void {
    this.#states.delete(key);
  }

  failure(key: string): void {
    const state = this.#states.get(key) ?? { failures: 0, openUntil: 0, probing: false };
    state.failures += 1;
    state.probing = false;
    if (state.failures >= this.#threshold) state.openUntil = this.clock.now() + this.#openMs;
    this.#states.set(key, state);
  }

  isOpen(key: string): boolean {
    const state = this.#states.get(key);
    return state !== undefined && state.failures >= this.#threshold && this.clock.now() < state.openUntil;
  }

  /** Every breaker that has failures, for the console and the `otpgate_sms_breaker_open` gauge. */
  snapshot(): Array<{ key: string; failures: number; open: boolean }> {
    return [...this.#states.keys()].map((key) => ({ key, failures: this.#states.get(key)!.failures, open: this.isOpen(key) }));
  }
}
