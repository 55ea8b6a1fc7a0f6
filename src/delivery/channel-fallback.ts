import type { Logger } from 'pino';
import type { AbuseGuard } from '../core/abuse.guard.js';
import { channelModule } from '../channels/channel-registry.js';
import { destinationOf, isEmailAddress } from '../core/destination.js';
import { isAppError } from '../core/errors.js';
import { verificationEventData } from '../core/events.js';
import type { EventFactory } from '../core/events.js';
import { newMessage } from '../core/messages.js';
import type { Channel, MessageRecord, ServiceRecord, VerificationRecord } from '../core/model.js';
import type { Clock, RandomSource, Store, VerificationMetrics } from '../core/ports.js';
import { PolledWorker } from './polled-worker.js';

/** Why a verification moved on to its next channel. */
export type FallbackReason = 'failed' | 'undelivered' | 'no_check';

export interface ChannelFallbackDeps {
  store: Pick<Store, 'getService' | 'getVerification' | 'listMessages' | 'addFallbackMessage' | 'scheduleFallback' | 'takeDueFallbacks'>;
  guard: Pick<AbuseGuard, 'beforeFallback'>;
  /** Whether a live message on `channel` has a provider (the service's routes or the instance's). */
  channelAvailable: (serviceId: string, channel: Channel) => Promise<boolean>;
  clock: Clock;
  random: RandomSource;
  events: EventFactory;
  metrics: VerificationMetrics;
  logger: Logger;
  onMessageQueued: () => void;
  onEventsWritten?: () => void;
}

/**
 * The service's `fallback` order at work: when a message's channel did not reach the person
 * (every provider failed, a receipt said undelivered, or no right check came within
 * `fallback_after_seconds` of its sending), the next channel of the order that reaches this kind
 * of address, is enabled, routed and passes its geo rules and caps gets a message with the same
 * code. Each step is a message in `sends`, a `verification.fallback` event and a metric; each
 * channel is tried once per verification.
 *
 * The "no check in time" case is durable: the verification is marked with the time
 * (`scheduleFallback`) and this worker takes due marks (any instance, each once), so a restart
 * loses no fallback.
 */
export class ChannelFallback extends PolledWorker {
  readonly #deps: ChannelFallbackDeps;

  constructor(deps: ChannelFallbackDeps, options: { pollMs?: number } = {}) {
    super('channel fallback', options.pollMs ?? 1000, deps.logger);
    this.#deps = deps;
  }

  stop(timeoutMs: number): Promise<void> {
    return this.stopPolling(timeoutMs, false);
  }

  /** A message went out: with `fallback_after_seconds`, the next channel is due then unless a right check comes first. */
  async afterSent(message: MessageRecord, verification: VerificationRecord, service: ServiceRecord, at: number): Promise<void> {
    const after = service.settings.fallback_after_seconds;
    if (after === null || nextChannels(service, verification, message.channel).length === 0) return;
    await this.#deps.store.scheduleFallback(verification, verification.id, at + after * 1000);
  }

  /**
   * A message did not reach the person: queues the next channel's message now. True when the
   * verification has another message on its way (so it must not be failed).
   */
  async afterFailure(message: MessageRecord, verification: VerificationRecord, service: ServiceRecord | null, reason: FallbackReason): Promise<boolean> {
    const owner = service ?? (await this.#deps.store.getService(message.serviceId));
    if (!owner || verification.status !== 'pending') return false;
    return this.#fallBack(verification, owner, reason, message.channel);
  }

  /** A receipt said `message` did not arrive. */
  async afterReceipt(message: MessageRecord, status: 'undelivered' | 'failed'): Promise<boolean> {
    const verification = await this.#deps.store.getVerification(message, message.verificationId);
    if (!verification) return false;
    return this.afterFailure(message, verification, null, status === 'failed' ? 'failed' : 'undelivered');
  }

  protected async round(): Promise<void> {
    const { store, clock } = this.#deps;
    for (;;) {
      const due = await store.takeDueFallbacks(clock.now(), 50);
      for (const verification of due) {
        const service = await store.getService(verification.serviceId);
        if (!service) continue;
        await this.#fallBack(verification, service, 'no_check');
      }
      if (due.length < 50) return;
    }
  }

  /** Moves on from `from` (default: the channel of the verification's last message) to the next channel that takes it. */
  async #fallBack(verification: VerificationRecord, service: ServiceRecord, reason: FallbackReason, from?: Channel): Promise<boolean> {
    const { store, guard, clock, events, metrics, logger } = this.#deps;
    const tenant = { service, serviceId: service.id, mode: verification.mode };
    const destination = destinationOf(verification);
    const messages = await store.listMessages(verification.id);
    from ??= messages.at(-1)?.channel ?? verification.channel;
    const tried = new Set(messages.map((m) => m.channel));
    for (const channel of nextChannels(service, verification, from)) {
      if (tried.has(channel)) continue;
      if (verification.mode === 'live' && !verification.isTest && !(await this.#deps.channelAvailable(service.id, channel))) continue;
      try {
        // The channel's geo rules, its cap and its price count as for a send a request asked for.
        if (!verification.isTest) await guard.beforeFallback(tenant, destination, channel);
      } catch (error) {
        if (!isAppError(error) || error.code === 'service_unavailable') throw error;
        logger.warn({ verification_id: verification.id, channel, refusal: error.code }, 'fallback channel refused; trying the next');
        continue;
      }
      const now = clock.now();
      const message = newMessage(verification, channel, now, clock, this.#deps.random);
      // The verification as every verification.* event shows it, and the step it took.
      const event = events.create(verification, 'verification.fallback', {
        ...verificationEventData(verification),
        fallback: { from_channel: from, to_channel: channel, reason, message_id: message.id },
      });
      if (!(await store.addFallbackMessage(message, now, [event]))) return false;
      metrics.channelFallback(from, channel, reason);
      logger.info({ verification_id: verification.id, from_channel: from, to_channel: channel, reason }, 'verification falls back to its next channel');
      this.#deps.onEventsWritten?.();
      this.#deps.onMessageQueued();
      return true;
    }
    return false;
  }
}

/** The channels after `from` in the service's fallback order that are enabled and reach this verification's kind of address. */
export function nextChannels(service: ServiceRecord, verification: VerificationRecord, from: Channel): Channel[] {
  const { fallback, channels } = service.settings;
  const at = fallback.indexOf(from);
  if (at < 0) return [];
  const kind = isEmailAddress(verification.to) ? 'email' : 'phone';
  return fallback.slice(at + 1).filter((c) => channels.includes(c) && channelModule(c).address === kind);
}
