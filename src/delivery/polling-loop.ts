/**
 * Runs `round` every `pollMs`, and soon after `notify()`, never two rounds at once. Background
 * workers (webhook delivery, the expiry sweep) are this loop around one store call.
 */
export class PollingLoop {
  readonly #round: () => Promise<void>;
  readonly #pollMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(round: () => Promise<void>, pollMs: number, onError: (error: unknown) => void) {
    this.#round = round;
    this.#pollMs = pollMs;
    this.#onError = onError;
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.notify(), this.#pollMs);
    this.#timer.unref();
    this.notify();
  }

  /** Run a round soon; if one is running, run another right after it. */
  notify(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#round())
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.notify();
        }
      });
  }

  /** Waits for a running round, then runs one more now (tests and shutdown). */
  async runOnce(): Promise<void> {
    while (this.#running) await this.#running;
    await this.#round();
  }

  /**
   * Stops polling and waits up to `timeoutMs` for the running round. Work it leaves unfinished
   * is leased, so another instance (or this one after a restart) takes it over.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const finish = (async () => {
      while (this.#running) await this.#running;
    })();
    await Promise.race([finish, deadline]);
    clearTimeout(timer);
  }
}
