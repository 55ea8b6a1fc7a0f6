import type { Logger } from 'pino';
import type { EventFactory } from '../core/events.js';
import type { Clock, Store, VerificationMetrics } from '../core/ports.js';
import { PollingLoop } from './polling-loop.js';

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
export class ExpirySweeper {
  readonly #deps: ExpirySweeperDeps;
  readonly #batchSize: number;
  readonly #maxBatches: number;
  readonly #loop: PollingLoop;

  constructor(deps: ExpirySweeperDeps, options: ExpirySweeperOptions = {}) {
    this.#deps = deps;
    this.#batchSize = options.batchSize ?? 200;
    this.#maxBatches = options.maxBatches ?? 10;
    this.#loop = new PollingLoop(async () => void (await this.sweep()), options.intervalMs ?? 5000, (error) =>
      deps.logger.error({ err: error }, 'expiry sweep failed'),
    );
  }

  start(): void {
    this.#loop.start();
  }

  stop(timeoutMs: number): Promise<void> {
    return this.#loop.stop(timeoutMs);
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
