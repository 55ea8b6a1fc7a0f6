import type { Logger } from 'pino';
import type { CodeVault } from '../core/code-vault.js';
import type { EventFactory } from '../core/events.js';
import type { MessageRecord } from '../core/model.js';
import { maskPhone } from '../core/phone.js';
import { SmsSendError } from '../core/ports.js';
import type { Clock, SmsSender, Store, VerificationMetrics } from '../core/ports.js';
import { renderSms } from '../sms/templates.js';
import { PolledWorker } from './polled-worker.js';

export interface OutboxWorkerOptions {
  /** How often to look for due retries and messages left by a dead worker (ms). Default 1000. */
  pollMs?: number;
  /** Messages leased per round. Default 32. */
  batchSize?: number;
  /** How long a lease lasts before another worker may take the message over (ms). Default 30000. */
  leaseMs?: number;
  /** Provider calls per message before it fails for good. Default 5. */
  maxAttempts?: number;
  /** First retry delay (ms); doubles per attempt, with full jitter. Default 1000. */
  backoffBaseMs?: number;
  /** Longest retry delay (ms). Default 30000. */
  backoffMaxMs?: number;
  /** A provider call that takes longer fails as retryable `timeout` (ms). Default 10000. */
  sendTimeoutMs?: number;
  /**
   * When a round fails (the database is down), the next one waits `pollMs`, doubling per failed
   * round up to this (ms), so an outage is not met with a query storm. Default 30000.
   */
  outageBackoffMaxMs?: number;
}

export interface OutboxWorkerDeps {
  store: Store;
  vault: CodeVault;
  sender: SmsSender;
  /** Where sandbox (test-mode key) messages go: the dev outbox, never a real provider. */
  sandboxSender: SmsSender;
  clock: Clock;
  logger: Logger;
  metrics: VerificationMetrics;
  /** Builds message.sent / message.failed / verification.* events, written with each outcome. */
  events: EventFactory;
  /** Called after events were written, so webhook delivery starts without waiting to poll. */
  onEventsWritten?: () => void;
  /** For jitter; Math.random is fine here, nothing secret depends on it. */
  jitter?: () => number;
}

/**
 * Sends what the outbox holds. A message is leased before it is sent, so one worker sends it;
 * a worker that dies leaves a lease that runs out and another worker takes over — at least
 * once, always under the same message id so duplicates can be recognised (rule R1).
 */
export class OutboxWorker extends PolledWorker {
  readonly #deps: OutboxWorkerDeps;
  readonly #options: Required<OutboxWorkerOptions>;

  constructor(deps: OutboxWorkerDeps, options: OutboxWorkerOptions = {}) {
    super('outbox', options.pollMs ?? 1000, deps.logger, options.outageBackoffMaxMs ?? 30_000);
    this.#deps = deps;
    this.#options = {
      pollMs: options.pollMs ?? 1000,
      batchSize: options.batchSize ?? 32,
      leaseMs: options.leaseMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 5,
      backoffBaseMs: options.backoffBaseMs ?? 1000,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 10_000,
      outageBackoffMaxMs: options.outageBackoffMaxMs ?? 30_000,
    };
  }

  /** Stops polling and waits (up to `timeoutMs`) for the messages already due to go out (rule R4). */
  stop(timeoutMs: number): Promise<void> {
    return this.stopPolling(timeoutMs, true);
  }

  /** Sends everything that is due now. */
  protected async round(): Promise<void> {
    const { store, clock } = this.#deps;
    for (;;) {
      const batch = await store.claimDueMessages(clock.now(), this.#options.batchSize, this.#options.leaseMs);
      if (batch.length === 0) return;
      await Promise.all(batch.map((message) => this.#deliver(message)));
      if (batch.length < this.#options.batchSize) return;
    }
  }

  async #deliver(message: MessageRecord): Promise<void> {
    const { store, vault, clock, logger, metrics, events } = this.#deps;
    const notify = () => this.#deps.onEventsWritten?.();
    const now = clock.now();
    const verification = await store.getVerification(message.serviceId, message.verificationId);
    const sender = verification?.sandbox ? this.#deps.sandboxSender : this.#deps.sender;
    if (!verification || verification.status !== 'pending' || now >= verification.expiresAt) {
      // Never deliver a code that can no longer be used.
      await store.updateMessage(message.id, { status: 'expired' }, false, now);
      if (verification && verification.status === 'pending' && (await store.finishVerification(verification.id, 'expired', now, events.verification('verification.expired')))) {
        notify();
      }
      metrics.sendFinished(sender.name, 'expired');
      return;
    }
    const service = await store.getService(message.serviceId);
    if (!service) {
      await store.updateMessage(message.id, { status: 'failed', errorCode: 'service_deleted' }, false, now);
      return;
    }
    const code = vault.open(verification.id, verification.codeSealed);
    const rendered = renderSms({
      locale: verification.locale,
      code,
      serviceName: verification.friendlyName ?? service.settings.name,
      webotpDomain: service.settings.webotp_domain,
      androidAppHash: verification.appHash ?? service.settings.android_app_hash,
    });
    const log = logger.child({ message_id: message.id, verification_id: verification.id, to: maskPhone(message.to), provider: sender.name });
    try {
      const result = await this.#withTimeout(
        sender.send({
          messageId: message.id,
          verificationId: verification.id,
          serviceId: message.serviceId,
          to: message.to,
          body: rendered.body,
          redactedBody: rendered.redactedBody,
        }),
      );
      await store.updateMessage(message.id, { status: 'sent', provider: sender.name, providerMessageId: result.providerMessageId }, true, clock.now(), events.message('message.sent'));
      metrics.sendFinished(sender.name, 'sent');
      notify();
    } catch (error) {
      const failure = error instanceof SmsSendError ? error : new SmsSendError('provider_error', String(error), true);
      const attempts = message.attempts + 1;
      const delay = this.#backoff(attempts);
      const retryAt = clock.now() + delay;
      if (failure.retryable && attempts < this.#options.maxAttempts && retryAt < verification.expiresAt) {
        await store.updateMessage(message.id, { status: 'queued', provider: sender.name, errorCode: failure.code, nextAttemptAt: retryAt }, true, clock.now());
        metrics.sendFinished(sender.name, 'retry');
        log.warn({ error_code: failure.code, attempts, retry_in_ms: delay }, 'sms send failed; will retry');
        return;
      }
      await store.updateMessage(message.id, { status: 'failed', provider: sender.name, errorCode: failure.code }, true, clock.now(), events.message('message.failed'));
      metrics.sendFinished(sender.name, 'failed');
      log.error({ error_code: failure.code, attempts }, 'sms send failed for good');
      if (await store.failVerificationIfUndeliverable(verification.id, clock.now(), events.verification('verification.failed'))) {
        metrics.verificationFinished('sms', verification.country, 'failed');
      }
      notify();
    }
  }

  #backoff(attempts: number): number {
    const ceiling = Math.min(this.#options.backoffMaxMs, this.#options.backoffBaseMs * 2 ** (attempts - 1));
    const jitter = this.#deps.jitter ?? Math.random;
    // Full jitter (AWS architecture blog): spreads retries of many messages after an outage.
    return Math.max(this.#options.backoffBaseMs / 2, Math.round(jitter() * ceiling));
  }

  async #withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SmsSendError('timeout', `no answer within ${this.#options.sendTimeoutMs} ms`, true)), this.#options.sendTimeoutMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
