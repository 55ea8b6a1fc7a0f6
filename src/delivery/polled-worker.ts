import type { Logger } from 'pino';

/**
 * A background worker: runs `round()` every `pollMs`, and soon after `notify()`, never two
 * rounds at once. The SMS outbox, webhook delivery and the expiry sweep are each one of these
 * around their own round. A failed round (the database is down) pauses the worker for `pollMs`,
 * doubling per failed round up to `outageBackoffMaxMs`, so an outage is not met with a query
 * storm; the first round that succeeds resets it.
 */
export abstract class PolledWorker {
  readonly #pollMs: number;
  readonly #logger: Pick<Logger, 'error' | 'info'>;
  readonly #name: string;
  readonly #outageBackoffMaxMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  /** Consecutive failed rounds, and when the next round may run (Date.now() time: it paces real timers). */
  #failures = 0;
  #resumeAt = 0;

  protected constructor(name: string, pollMs: number, logger: Pick<Logger, 'error' | 'info'>, outageBackoffMaxMs = 30_000) {
    this.#name = name;
    this.#pollMs = pollMs;
    this.#logger = logger;
    this.#outageBackoffMaxMs = outageBackoffMaxMs;
  }

  /** One pass over the work that is due now. */
  protected abstract round(): Promise<void>;

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.notify(), this.#pollMs);
    this.#timer.unref();
    this.notify();
  }

  /** Between start() and the beginning of a stop. */
  protected get polling(): boolean {
    return this.#timer !== null;
  }

  /** Something is due: run soon, without waiting for the next poll (again right after a running round). */
  notify(): void {
    if (this.#stopped || Date.now() < this.#resumeAt) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    // A microtask, not setImmediate: with SQLite group commit the caller learns that something
    // is due only once its batch committed, at the end of an event-loop turn, and a setImmediate
    // from there would wait a whole further turn — long enough for the next request to overtake
    // the SMS (a start, then at once a read of the dev outbox).
    this.#running = Promise.resolve()
      .then(() => this.round())
      .then(() => {
        if (this.#failures === 0) return;
        this.#logger.info({ failed_rounds: this.#failures }, `${this.#name} worker recovered`);
        this.#failures = 0;
        this.#resumeAt = 0;
      })
      .catch((error: unknown) => {
        this.#failures++;
        const delay = Math.min(this.#outageBackoffMaxMs, this.#pollMs * 2 ** Math.min(this.#failures - 1, 20));
        this.#resumeAt = Date.now() + delay;
        this.#again = false;
        this.#logger.error({ err: error, failed_rounds: this.#failures, retry_in_ms: delay }, `${this.#name} round failed; backing off`);
      })
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.notify();
        }
      });
  }

  /**
   * Waits for a running round, runs one more now, then waits for any round a `notify()` started
   * meanwhile (it may hold work this one could not claim). Resolves when nothing due is left.
   */
  async drainOnce(): Promise<void> {
    while (this.#running) await this.#running;
    await this.round();
    while (this.#running) await this.#running;
  }

  /**
   * Stops polling and waits up to `timeoutMs` for the running round and, with `finalRound`,
   * one more (the outbox sends what is due before exit, rule R4), then for `alsoWaitFor` (work
   * a subclass runs outside rounds). Work left unfinished is leased, so another instance (or
   * this one after a restart) takes it over.
   */
  protected async stopPolling(timeoutMs: number, finalRound: boolean, alsoWaitFor?: () => Promise<void>): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const finish = (async () => {
      while (this.#running) await this.#running;
      this.#stopped = true;
      if (finalRound) await this.round();
      await alsoWaitFor?.();
    })().catch((error: unknown) => this.#logger.error({ err: error }, `${this.#name} drain at shutdown failed`));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([finish, deadline]);
    clearTimeout(timer);
    this.#stopped = true;
  }
}
