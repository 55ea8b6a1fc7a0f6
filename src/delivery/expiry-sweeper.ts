import type { Logger } from 'pino';
import type { EventFactory } from '../core/events.js';
import type { Clock, Store, VerificationMetrics } from '../core/ports.js';
import { PolledWorker } from './polled-worker.js';

export interface ExpirySweeperOptions {
  /** How often to sweep (ms). Default 5000. */
  intervalMs?: number;
  /** Verifications expired per transaction. Default 200. */
  batchSize?: number;
  /** Batches per sweep at most, so one sweep never holds the store for long. Default 10. */
  maxBatches?: number;
}

export interface ExpirySweeperDeps {
  store: Store;
  clock: Clock;
  events: EventFactory;
  metrics: VerificationMetrics;
  logger: Logger;
  onEventsWritten?: () => void;
}

/**
 * Expires verifications nobody reads again, so `verification.expired` goes out close to
 * `expires_at` and not only when someone looks. Several instances may sweep at once: the store
 * expires each row once (a conditional update) and writes its event in the same transaction.
 */
export class ExpirySweeper extends PolledWorker {
  readonly #deps: ExpirySweeperDeps;
  readonly #batchSize: number;
  readonly #maxBatches: number;

  constructor(deps: ExpirySweeperDeps, options: ExpirySweeperOptions = {}) {
    super('expiry sweep', options.intervalMs ?? 5000, deps.logger);
    this.#deps = deps;
    this.#batchSize = options.batchSize ?? 200;
    this.#maxBatches = options.maxBatches ?? 10;
  }

  stop(timeoutMs: number): Promise<void> {
    return this.stopPolling(timeoutMs, false);
  }

  protected async round(): Promise<void> {
    await this.sweep();
  }

  /** One bounded sweep; returns how many verifications it expired. */
  async sweep(): Promise<number> {
    const { store, clock, events, metrics } = this.#deps;
    let total = 0;
    for (let i = 0; i < this.#maxBatches; i++) {
      const expired = await store.expireDueVerifications(clock.now(), this.#batchSize, events.verification('verification.expired'));
      for (const v of expired) metrics.verificationFinished(v.channel, v.country, 'expired');
      total += expired.length;
      if (expired.length < this.#batchSize) break;
    }
    if (total > 0) {
      this.#deps.logger.debug({ expired: total }, 'expired verifications');
      this.#deps.onEventsWritten?.();
    }
    return total;
  }
}
