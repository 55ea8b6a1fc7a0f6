import type { Logger } from 'pino';
import type { CodeVault } from '../core/code-vault.js';
import type { EventFactory } from '../core/events.js';
import type { MessageRecord, ServiceRecord, VerificationRecord } from '../core/model.js';
import { maskAddress } from '../core/destination.js';
import { isAppError } from '../core/errors.js';
import { SendError } from '../core/ports.js';
import type { Clock, HandedSend, OutgoingMessage, SendReservation, SendResult, Store, VerificationMetrics } from '../core/ports.js';
import type { CircuitBreakers } from '../sms/circuit-breaker.js';
import type { SmsRouter } from '../sms/sms-router.js';
import type { TemplateService } from '../sms/template.service.js';
import { channelModule } from '../channels/channel-registry.js';
import type { Locale } from '../sms/locales.js';
import type { MessageStatusTracker } from './message-status.js';
import { PolledWorker } from './polled-worker.js';
import type { ChannelFallback } from './channel-fallback.js';

export interface OutboxWorkerOptions {
  /** How often to look for due retries and messages left by a dead worker (ms). Default 1000. */
  pollMs?: number;
  /** Messages leased per round. Default 32. */
  batchSize?: number;
  /**
   * Sends taken straight from starts (`reserve`) that may be under way at once; past it, new
   * messages are queued and go out in rounds. Bounds what a hanging provider is sent at once.
   * Default 64.
   */
  maxHanded?: number;
  /** How long a lease lasts before another worker may take the message over (ms). Default 30000. */
  leaseMs?: number;
  /** Rounds over the whole route (with backoff between) before a message fails for good. Default 5. */
  maxAttempts?: number;
  /** Tries per provider in one round before failing over to the next. Default 2. */
  providerTries?: number;
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

/** Memoises reads by key for the messages of one claimed batch (a failed read is shared too: the batch retries together). */
type BatchMemo = <T>(key: string, load: () => Promise<T>) => Promise<T>;

function batchMemo(): BatchMemo {
  const reads = new Map<string, Promise<unknown>>();
  return <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let read = reads.get(key) as Promise<T> | undefined;
    if (!read) {
      read = load();
      reads.set(key, read);
    }
    return read;
  };
}

export interface OutboxWorkerDeps {
  store: Store;
  vault: CodeVault;
  router: SmsRouter;
  status: MessageStatusTracker;
  breakers: CircuitBreakers;
  clock: Clock;
  logger: Logger;
  metrics: VerificationMetrics;
  /** Builds message.sent / message.failed / verification.* events, written with each outcome. */
  events: EventFactory;
  /** Called after events were written, so webhook delivery starts without waiting to poll. */
  onEventsWritten?: () => void;
  /** Base URL vendors reach us at for receipts; null asks for none. */
  publicUrl?: string | null;
  /** For jitter; Math.random is fine here, nothing secret depends on it. */
  jitter?: () => number;
  /** This instance's id: the owner of the messages it leases (taken over at once if it dies, see Instance). */
  owner: string;
  /** The services' own message texts (cached, see TemplateService.textFor). */
  templates: Pick<TemplateService, 'textFor'>;
  /** Whether this instance's leases are still certainly its own (see Instance.holdsLeases). */
  holdsLeases: () => boolean;
  /** The service's fallback order: after a send (the "no check in time" mark) and a failure (the next channel now). */
  fallback?: Pick<ChannelFallback, 'afterSent' | 'afterFailure'>;
}

/**
 * Sends what the outbox holds. A message is leased before it is sent, so one worker sends it;
 * a worker that dies leaves a lease that runs out and another worker takes over — at least
 * once, always under the same message id so duplicates can be recognised (rule R1).
 */
export class OutboxWorker extends PolledWorker {
  readonly #deps: OutboxWorkerDeps;
  /** pollMs and outageBackoffMaxMs belong to the polling base class. */
  readonly #options: Required<Omit<OutboxWorkerOptions, 'pollMs' | 'outageBackoffMaxMs'>>;
  /** Reserved handed sends not yet finished, and who waits for them to reach zero (stop). */
  #handed = 0;
  #handedIdle: Array<() => void> = [];
  /**
   * The reads shared by the sends handed over in one event-loop turn: the starts of one group
   * commit resume together, and like a claimed batch they share their service's route and template.
   */
  #turnMemo: BatchMemo | null = null;

  constructor(deps: OutboxWorkerDeps, options: OutboxWorkerOptions = {}) {
    super('outbox', options.pollMs ?? 1000, deps.logger, options.outageBackoffMaxMs ?? 30_000);
    this.#deps = deps;
    this.#options = {
      batchSize: options.batchSize ?? 32,
      maxHanded: options.maxHanded ?? 64,
      leaseMs: options.leaseMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 5,
      backoffBaseMs: options.backoffBaseMs ?? 1000,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 10_000,
      providerTries: options.providerTries ?? 2,
    };
  }

  /**
   * Stops polling and taking sends from starts, and waits (up to `timeoutMs`) for the messages
   * already due or handed over to go out (rule R4).
   */
  stop(timeoutMs: number): Promise<void> {
    return this.stopPolling(timeoutMs, true, () => (this.#handed === 0 ? Promise.resolve() : new Promise<void>((idle) => this.#handedIdle.push(idle))));
  }

  /**
   * Takes a new verification's first SMS straight from its start (see SendReservation), while
   * this worker runs and has fewer than `maxHanded` such sends under way; null otherwise.
   */
  reserve(now: number): SendReservation | null {
    if (!this.polling || this.#handed >= this.#options.maxHanded) return null;
    this.#handed++;
    let open = true;
    const release = () => {
      if (!open) return;
      open = false;
      if (--this.#handed === 0) for (const idle of this.#handedIdle.splice(0)) idle();
    };
    return {
      leaseUntil: now + this.#options.leaseMs,
      owner: this.#deps.owner,
      cancel: release,
      send: (job) => {
        this.#sendHanded(job).finally(release);
      },
    };
  }

  #memoOfTurn(): BatchMemo {
    if (!this.#turnMemo) {
      this.#turnMemo = batchMemo();
      setImmediate(() => (this.#turnMemo = null));
    }
    return this.#turnMemo;
  }

  async #sendHanded({ message, verification, service, code }: HandedSend): Promise<void> {
    try {
      await this.#send(message, verification, service, code, this.#memoOfTurn());
    } catch (error) {
      // The database went away mid-send: the message stays leased and a round takes it over
      // once the lease runs out, as after a crash.
      this.#deps.logger.error({ err: error, message_id: message.id }, 'send failed; a later round retries it');
    }
  }

  /** Sends everything that is due now. */
  protected async round(): Promise<void> {
    const { store, clock } = this.#deps;
    for (;;) {
      // A stalled instance takes no new leases until it knows itself alive again (see Instance).
      if (!this.#deps.holdsLeases()) return;
      const batch = await store.claimDueMessages(clock.now(), this.#options.batchSize, this.#options.leaseMs, this.#deps.owner);
      if (batch.length === 0) return;
      // One batch often holds many messages of one service: read its settings, route and
      // template once per batch rather than once per message (fresh again next batch).
      const shared = batchMemo();
      await Promise.all(batch.map((message) => this.#deliver(message, shared)));
      if (batch.length < this.#options.batchSize) return;
    }
  }

  async #deliver(message: MessageRecord, shared: BatchMemo): Promise<void> {
    const { store, vault, clock, status } = this.#deps;
    const now = clock.now();
    const verification = await store.getVerification(message, message.verificationId);
    if (!verification || verification.status !== 'pending' || now >= verification.expiresAt) {
      await this.#expire(message, verification);
      return;
    }
    const service = await shared(`service:${message.serviceId}`, () => store.getService(message.serviceId));
    if (!service) {
      await status.failed(message, null, 'service_deleted', null, false, now);
      return;
    }
    await this.#send(message, verification, service, vault.open(verification.id, verification.codeSealed), shared);
  }

  /** One round of tries over the message's route (failover, retry or failure), its code in hand. */
  async #send(message: MessageRecord, verification: VerificationRecord, service: ServiceRecord, code: string, shared: BatchMemo): Promise<void> {
    const { router, clock, logger, metrics, status, breakers } = this.#deps;
    const now = clock.now();
    // Test-mode (sandbox) keys: the dev outbox only, whatever the service's route says.
    const channel = message.channel;
    const plan = verification.mode === 'test'
      ? router.sandboxPlan()
      : await shared(`plan:${service.id}:${channel}:${verification.country ?? ''}`, () => router.plan(service.id, channel, verification.country));
    const module = channelModule(channel);
    const rendered = module.render({
      locale: verification.locale as Locale,
      code,
      serviceName: verification.friendlyName ?? service.settings.name,
      settings: service.settings,
      appHash: verification.appHash ?? service.settings.android_app_hash,
      template: module.templated ? await this.#deps.templates.textFor(service.id, verification.locale) : null,
    });
    const sms: OutgoingMessage = {
      messageId: message.id,
      verificationId: verification.id,
      serviceId: message.serviceId,
      mode: message.mode,
      to: message.to,
      body: rendered.body,
      redactedBody: rendered.redactedBody,
      content: rendered.content,
      country: verification.country,
      from: plan.from,
      messagingServiceSid: plan.messagingServiceSid,
      callbackUrl: null,
    };
    // Child loggers and the "no provider" error are made only when something goes wrong: on the
    // common path (first try succeeds) they were measurable per-send garbage.
    let parentLog: Logger | undefined;
    const baseLog = () => (parentLog ??= logger.child({ message_id: message.id, verification_id: verification.id, channel: message.channel, to: maskAddress(message.to) }));

    // Failover (rule R2): each provider of the route gets `providerTries` tries; a retryable
    // failure or time-out moves on to the next one, a provider whose circuit is open is skipped.
    let last: { provider: string | null; failure: SendError | null } = { provider: null, failure: null };
    // The lease must outlast the round, or another worker would take the message over mid-round
    // and send it twice: after the first try, a try that could end past the lease waits for the
    // next round instead.
    const leaseEnd = (message.leaseUntil ?? now + this.#options.leaseMs) - 1000;
    let tries = 0;
    rounds: for (const candidate of plan.candidates) {
      const name = candidate.definition.name;
      const log = () => baseLog().child({ provider: name });
      for (let attempt = 1; attempt <= this.#options.providerTries; attempt++) {
        if (!this.#deps.holdsLeases()) {
          // This instance stalled long enough that another may have taken the message over:
          // no (further) try on a lease that may be another's; it goes back to the queue.
          await this.#deps.store.releaseMessage(message, clock.now());
          baseLog().warn({ tries }, 'message lease given back: this instance stalled and may have been taken for dead');
          return;
        }
        if (tries++ > 0 && clock.now() + this.#options.sendTimeoutMs > leaseEnd) {
          last = { provider: last.provider, failure: new SendError(last.failure?.code ?? 'no_provider', 'no time left in this lease for another try', true) };
          break rounds;
        }
        if (clock.now() >= verification.expiresAt) {
          // Never deliver a code that can no longer be used, even in the middle of a failover.
          // Checked before the breaker: `allow` may hand out a half-open probe, which must be
          // followed by a send whose outcome closes or reopens the circuit.
          await this.#expire(message, verification);
          return;
        }
        if (!breakers.allow(candidate.key)) {
          metrics.sendFinished(name, channel, 'circuit_open');
          log().warn('provider skipped: circuit open');
          break;
        }
        let result: SendResult;
        try {
          const callbackUrl = this.#callbackUrl(name, message.id);
          result = await this.#withTimeout((signal) => router.create(candidate.definition, signal).send({ ...sms, callbackUrl }));
        } catch (error) {
          // Our database going away (the console provider writes the dev outbox) is not the
          // provider failing: it must not open its circuit nor move on to the next one (rule R3).
          // The round fails and the message, still leased, is sent once the lease runs out.
          if (isAppError(error) && error.code === 'service_unavailable') {
            breakers.release(candidate.key);
            throw error;
          }
          const failure = error instanceof SendError ? error : new SendError('provider_error', String(error), true);
          last = { provider: name, failure };
          if (!failure.retryable) {
            // The vendor refused this message itself (bad number, blocked content): no other try
            // helps. It answered, so it is up: this closes its circuit (and ends a half-open probe,
            // which would otherwise keep the provider skipped).
            breakers.success(candidate.key);
            log().error({ error_code: failure.code, detail: scrubDigits(failure.message) }, 'message refused by the provider');
            await this.#fail(message, verification, service, name, failure.code);
            return;
          }
          breakers.failure(candidate.key);
          metrics.sendFinished(name, channel, 'retry');
          log().warn({ error_code: failure.code, detail: scrubDigits(failure.message), try: attempt }, 'send failed');
          continue;
        }
        breakers.success(candidate.key);
        // Outside the try: the provider took the message, so failing to record that (the database
        // is down) must not count against it, nor send the message again through another one. The
        // round fails; after the lease the message goes out again under the same id (rule R1).
        await status.sent(message, name, result.providerMessageId, verification.country, clock.now());
        metrics.sendFinished(name, channel, 'sent');
        await this.#deps.fallback?.afterSent(message, verification, service, clock.now());
        return;
      }
      metrics.sendFinished(name, channel, 'failover');
    }

    // A round in which every circuit was open tried nothing: the message keeps the error of the
    // round that opened them (what the operator needs to see), not a bare "no provider".
    const failure = last.failure
      ?? (plan.candidates.length > 0 && message.errorCode !== null
        ? new SendError(message.errorCode, 'every provider of the route is skipped (circuit open) since this error', true)
        : new SendError(plan.candidates.length > 0 ? 'circuit_open' : 'no_provider', plan.candidates.length > 0 ? 'every provider of the route is skipped (circuit open)' : 'no provider routes this channel', true));
    const rounds = message.attempts + 1;
    const delay = this.#backoff(rounds);
    const retryAt = clock.now() + delay;
    if (rounds < this.#options.maxAttempts && retryAt < verification.expiresAt) {
      await status.retry(message, last.provider, failure.code, retryAt, clock.now());
      baseLog().warn({ error_code: failure.code, rounds, retry_in_ms: delay }, 'every provider failed; will retry');
      return;
    }
    baseLog().error({ error_code: failure.code, rounds }, 'send failed for good');
    await this.#fail(message, verification, service, last.provider, failure.code);
  }

  async #expire(message: MessageRecord, verification: VerificationRecord | null): Promise<void> {
    const { store, clock, metrics, status } = this.#deps;
    const now = clock.now();
    await status.expired(message, verification?.country ?? null, now);
    if (verification && verification.status === 'pending' && now >= verification.expiresAt) {
      if (await store.finishVerification(verification.id, 'expired', now, this.#deps.events.verification('verification.expired'))) this.#deps.onEventsWritten?.();
    }
    metrics.sendFinished(message.provider ?? 'none', message.channel, 'expired');
  }

  async #fail(message: MessageRecord, verification: VerificationRecord, service: ServiceRecord, provider: string | null, errorCode: string): Promise<void> {
    const { store, clock, metrics, status } = this.#deps;
    await status.failed(message, provider, errorCode, verification.country, true, clock.now());
    metrics.sendFinished(provider ?? 'none', message.channel, 'failed');
    // The next channel of the service's fallback order, if any, keeps the verification going.
    if (await this.#deps.fallback?.afterFailure(message, verification, service, 'failed')) return;
    if (await store.failVerificationIfUndeliverable(verification.id, clock.now(), this.#deps.events.verification('verification.failed'))) {
      metrics.verificationFinished(verification.channel, verification.country, 'failed');
      this.#deps.onEventsWritten?.();
    }
  }

  /** `<public url>/v1/dlr/<provider>/<message id>`, or null when vendors cannot reach us. */
  #callbackUrl(provider: string, messageId: string): string | null {
    const base = this.#deps.publicUrl ?? null;
    return base === null ? null : `${base}/v1/dlr/${encodeURIComponent(provider)}/${encodeURIComponent(messageId)}`;
  }

  #backoff(attempts: number): number {
    const ceiling = Math.min(this.#options.backoffMaxMs, this.#options.backoffBaseMs * 2 ** (attempts - 1));
    const jitter = this.#deps.jitter ?? Math.random;
    // Full jitter (AWS architecture blog): spreads retries of many messages after an outage.
    return Math.max(this.#options.backoffBaseMs / 2, Math.round(jitter() * ceiling));
  }

  async #withTimeout<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Abort the vendor request too, so a hung connection does not linger.
        controller.abort();
        reject(new SendError('timeout', `no answer within ${this.#options.sendTimeoutMs} ms`, true));
      }, this.#options.sendTimeoutMs);
    });
    try {
      return await Promise.race([call(controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Vendor error texts may echo the number or the message ("The 'To' number +4915… is not valid"):
 * every run of 4+ digits keeps only its last two before it reaches the logs.
 */
export function scrubDigits(text: string): string {
  return text.replace(/\d{4,}/g, (digits) => `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`);
}
