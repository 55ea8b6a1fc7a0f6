import type { Logger } from 'pino';
import type { Clock, PurgeCounts, RetentionStore } from '../core/ports.js';

const DAY_MS = 86_400_000;

/** What a batch deletes by itself, at most `batchSize` of each; messages go with their verifications. */
const BATCHED: ReadonlyArray<Exclude<keyof PurgeCounts, 'messages'>> = ['verifications', 'devOutbox', 'idempotencyKeys', 'events', 'prefixBlocks', 'auditRecords', 'attemptCounts'];

export interface RetentionJobOptions {
  /** Rows older than this many days are purged; 0 keeps everything. Default 30. */
  retentionDays: number;
  /** How often the server purges (ms). Default 3600000. */
  intervalMs?: number;
  /** Rows per table per batch; each batch is one short transaction. Default 1000. */
  batchSize?: number;
}

export interface PurgeReport extends PurgeCounts {
  batches: number;
  /** Everything created before this instant (epoch ms) and no longer in use is gone. */
  before: number;
}

/**
 * Forgets old verifications (with their messages), dev-outbox entries, idempotency keys,
 * events (with their webhook deliveries and log), ended prefix blocks and audit records:
 * they hold phone numbers, sealed codes and message bodies that nobody needs after the
 * retention period. Deletes in bounded batches so a large backlog never holds long locks or
 * one huge transaction; on PostgreSQL several instances may run it at once (SKIP LOCKED).
 */
export class RetentionJob {
  readonly #deps: { store: RetentionStore; clock: Clock; logger: Logger };
  readonly #retentionMs: number;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;

  constructor(deps: { store: RetentionStore; clock: Clock; logger: Logger }, options: RetentionJobOptions) {
    this.#deps = deps;
    this.#retentionMs = options.retentionDays * DAY_MS;
    this.#intervalMs = options.intervalMs ?? 3_600_000;
    this.#batchSize = options.batchSize ?? 1000;
  }

  get enabled(): boolean {
    return this.#retentionMs > 0;
  }

  /** Purges everything that is due, batch after batch, until a batch comes back short. */
  async runOnce(): Promise<PurgeReport> {
    const before = this.#deps.clock.now() - this.#retentionMs;
    const total: PurgeReport = { verifications: 0, messages: 0, devOutbox: 0, idempotencyKeys: 0, events: 0, prefixBlocks: 0, auditRecords: 0, attemptCounts: 0, batches: 0, before };
    if (!this.enabled) return total;
    for (;;) {
      const batch = await this.#deps.store.purgeBatch(before, this.#batchSize);
      total.batches++;
      total.messages += batch.messages;
      for (const kind of BATCHED) total[kind] += batch[kind];
      if (BATCHED.every((kind) => batch[kind] < this.#batchSize)) break;
      // Let requests in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  /** Runs soon after start, then every interval. Failures are logged and retried next time. */
  start(): void {
    if (!this.enabled || this.#timer) return;
    const tick = () => {
      if (!this.#timer || this.#running) return;
      this.#running = this.runOnce()
        .then((report) => {
          if (BATCHED.some((kind) => report[kind] > 0)) this.#deps.logger.info({ purged: report }, 'retention purge');
        })
        .catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'retention purge failed; will retry'))
        .finally(() => (this.#running = null));
    };
    this.#timer = setInterval(tick, this.#intervalMs);
    this.#timer.unref();
    setImmediate(tick);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
