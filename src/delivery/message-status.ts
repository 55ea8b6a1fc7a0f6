import type { Logger } from 'pino';
import type { EventFactory } from '../core/events.js';
import type { MessageRecord, MessageStatus } from '../core/model.js';
import { maskAddress } from '../core/destination.js';
import type { MessageUpdate, ReceiptUpdate, Store, VerificationMetrics } from '../core/ports.js';

export interface MessageStatusChange {
  message: MessageRecord;
  status: MessageStatus;
  provider: string | null;
  errorCode: string | null;
  at: number;
}

export type MessageStatusListener = (change: MessageStatusChange) => void;

export interface MessageStatusTrackerDeps {
  store: Store;
  metrics: VerificationMetrics;
  logger: Logger;
  /** message.sent / message.delivered / message.failed events, written in the transaction of the change. */
  events: EventFactory;
  /** Called after events were written, so webhook delivery starts without waiting to poll. */
  onEventsWritten?: () => void;
  /** A receipt said a sent message did not arrive (undelivered, failed): the fallback order may take over. */
  onNotDelivered?: (message: MessageRecord, status: 'undelivered' | 'failed') => Promise<unknown>;
}

/**
 * The one place a message's status changes after it is queued: the outbox worker's outcomes and
 * delivery receipts both go through here, so events (message.sent, message.delivered,
 * message.failed, written with the change), metrics, logs and listeners see every transition once.
 */
export class MessageStatusTracker {
  readonly #listeners: MessageStatusListener[] = [];

  private readonly store: Store;
  private readonly metrics: VerificationMetrics;
  private readonly logger: Logger;
  private readonly events: EventFactory;
  private readonly notify: () => void;

  constructor(deps: MessageStatusTrackerDeps) {
    this.store = deps.store;
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.events = deps.events;
    this.notify = () => deps.onEventsWritten?.();
    this.#onNotDelivered = deps.onNotDelivered;
  }

  readonly #onNotDelivered: MessageStatusTrackerDeps['onNotDelivered'];

  /** Registers a listener; a throwing listener is logged and does not stop the others. */
  onChange(listener: MessageStatusListener): void {
    this.#listeners.push(listener);
  }

  /**
   * The outcomes of a send, recorded by the lease's holder. False when the lease was lost (this
   * instance was taken for dead and another took the message over): nothing changed, and the
   * new holder records its own outcome.
   */
  async sent(message: MessageRecord, provider: string, providerMessageId: string | null, country: string | null, now: number): Promise<boolean> {
    if (!(await this.#update(message, { status: 'sent', provider, providerMessageId }, true, now, 'message.sent'))) return false;
    this.#emit(message, 'sent', provider, null, country, now);
    return true;
  }

  async retry(message: MessageRecord, provider: string | null, errorCode: string, nextAttemptAt: number, now: number): Promise<boolean> {
    return this.#update(message, { status: 'queued', provider, errorCode, nextAttemptAt }, true, now, null);
  }

  async failed(message: MessageRecord, provider: string | null, errorCode: string, country: string | null, countAttempt: boolean, now: number): Promise<boolean> {
    if (!(await this.#update(message, { status: 'failed', provider, errorCode }, countAttempt, now, 'message.failed'))) return false;
    this.#emit(message, 'failed', provider, errorCode, country, now);
    return true;
  }

  async expired(message: MessageRecord, country: string | null, now: number): Promise<boolean> {
    if (!(await this.#update(message, { status: 'expired' }, false, now, null))) return false;
    this.#emit(message, 'expired', message.provider, null, country, now);
    return true;
  }

  async #update(message: MessageRecord, update: MessageUpdate, countAttempt: boolean, now: number, event: 'message.sent' | 'message.failed' | null): Promise<boolean> {
    const kept = await this.store.updateMessage(message, update, countAttempt, now, event ? this.events.message(event) : undefined);
    if (!kept) {
      this.logger.warn({ message_id: message.id, status: update.status }, 'outcome not recorded: another instance took this message over (this one was thought dead)');
      return false;
    }
    if (event) this.notify();
    return true;
  }

  /** Applies a receipt if it moves the message forward; returns the updated message or null. */
  async receipt(message: MessageRecord, update: ReceiptUpdate, country: string | null, now: number): Promise<MessageRecord | null> {
    // delivered → message.delivered; undelivered and failed → message.failed; a late "sent" → message.sent.
    const type = update.status === 'delivered' ? 'message.delivered' : update.status === 'sent' ? 'message.sent' : 'message.failed';
    const updated = await this.store.applyDeliveryReceipt(message.id, update, now, this.events.message(type));
    if (updated) this.notify();
    if (updated) this.#emit(updated, update.status, updated.provider, update.errorCode, country, now);
    if (updated && (update.status === 'undelivered' || update.status === 'failed') && this.#onNotDelivered) {
      try {
        await this.#onNotDelivered(updated, update.status);
      } catch (error) {
        // The receipt is recorded; only the fallback it would have started is missing.
        this.logger.error({ err: error, message_id: updated.id }, 'channel fallback after a receipt failed');
      }
    }
    return updated;
  }

  #emit(message: MessageRecord, status: MessageStatus, provider: string | null, errorCode: string | null, country: string | null, at: number): void {
    this.metrics.messageStatus(provider ?? 'none', status, country, errorCode, message.channel);
    this.logger.info(
      { message_id: message.id, verification_id: message.verificationId, channel: message.channel, to: maskAddress(message.to), provider, status, error_code: errorCode },
      'message status changed',
    );
    for (const listener of this.#listeners) {
      try {
        listener({ message, status, provider, errorCode, at });
      } catch (error) {
        this.logger.error({ err: error }, 'message status listener failed');
      }
    }
  }
}
