import type { Logger } from 'pino';
import { AppError } from '../core/errors.js';
import type { MessageRecord } from '../core/model.js';
import type { Clock, Store } from '../core/ports.js';
import { providerModule } from '../sms/provider-registry.js';
import type { ProviderDefinition, ReceiptOutcome, ReceiptRequest, ReceiptStatus } from '../sms/provider-types.js';
import type { SmsRouter } from '../sms/sms-router.js';
import type { MessageStatusTracker } from './message-status.js';

export type ReceiptResult = 'applied' | 'ignored';

/** What a receipt did, and what the vendor must be answered (`reply`: 200 with that text, else 204). */
export interface ReceiptAnswer {
  result: ReceiptResult;
  reply?: string;
}

/**
 * Inbound delivery receipts (rule H5). A receipt is authenticated against the very provider
 * definition the message went through (the service's own, or the instance's) before anything
 * in it is believed; an unknown message and a bad signature are refused alike, so the endpoint
 * tells an outsider nothing about which message ids exist.
 */
export class ReceiptService {
  constructor(
    private readonly store: Store,
    private readonly router: SmsRouter,
    private readonly status: MessageStatusTracker,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** A receipt whose URL names our message id (`/v1/dlr/<provider>/<message id>`). */
  async forMessage(providerName: string, messageId: string, request: ReceiptRequest): Promise<ReceiptAnswer> {
    const message = await this.store.getMessage(messageId);
    if (!message || message.provider !== providerName) throw refused();
    const definition = await this.router.definitionFor(message.serviceId, providerName);
    if (!definition) throw refused();
    return this.#apply(definition, message, request);
  }

  /** A receipt sent to an account-wide URL (`/v1/dlr/<provider>`): the instance provider of that name, message found by the vendor's id. */
  async forInstanceProvider(providerName: string, request: ReceiptRequest): Promise<ReceiptAnswer> {
    const definition = this.router.instanceRouting.providers.find((p) => p.name === providerName);
    if (!definition) throw refused();
    return this.#apply(definition, null, request);
  }

  /** A receipt that arrived over a provider's own connection (SMPP deliver_sm): already authentic. */
  async fromConnection(providerName: string, outcome: ReceiptOutcome): Promise<ReceiptResult> {
    if (!outcome.accepted || !outcome.providerMessageId || outcome.status === null) return 'ignored';
    const message = await this.store.findMessageByProviderId(providerName, outcome.providerMessageId);
    if (!message) return 'ignored';
    const verification = await this.store.getVerification(message, message.verificationId);
    const updated = await this.status.receipt(message, { status: outcome.status, errorCode: outcome.errorCode }, verification?.country ?? null, this.clock.now());
    return updated ? 'applied' : 'ignored';
  }

  async #apply(definition: ProviderDefinition, known: MessageRecord | null, request: ReceiptRequest): Promise<ReceiptAnswer> {
    const module = providerModule(definition.type);
    if (!module?.receipt) throw refused();
    const outcome = await module.receipt(definition, request);
    if (!outcome.accepted) {
      this.logger.warn({ provider: definition.name, reason: outcome.reason }, 'delivery receipt refused');
      throw refused();
    }
    const reply = outcome.reply === undefined ? {} : { reply: outcome.reply };
    let result = await this.#applyOne(definition, known, outcome);
    // A batch of statuses only comes to an account-wide URL; a message's own URL speaks of that message alone.
    if (!known) {
      for (const status of outcome.more ?? []) {
        if ((await this.#applyOne(definition, null, status)) === 'applied') result = 'applied';
      }
    }
    return { result, ...reply };
  }

  async #applyOne(definition: ProviderDefinition, known: MessageRecord | null, outcome: ReceiptStatus): Promise<ReceiptResult> {
    const message = known ?? (outcome.providerMessageId ? await this.store.findMessageByProviderId(definition.name, outcome.providerMessageId) : null);
    if (!message) {
      // Authentic but about nothing we sent (another system on the same account): acknowledge it.
      if (outcome.providerMessageId) this.logger.info({ provider: definition.name }, 'delivery receipt for an unknown message ignored');
      return 'ignored';
    }
    if (outcome.status === null) return 'ignored';
    // A receipt about another of the vendor's messages (a genuine signed callback replayed to this
    // message's URL: some vendors sign the body, not the URL) changes nothing here.
    if (known && outcome.providerMessageId && message.providerMessageId && outcome.providerMessageId !== message.providerMessageId) {
      this.logger.warn({ provider: definition.name, message_id: message.id }, 'delivery receipt names another message of the vendor; ignored');
      return 'ignored';
    }
    const verification = await this.store.getVerification(message, message.verificationId);
    const updated = await this.status.receipt(message, { status: outcome.status, errorCode: outcome.errorCode, providerMessageId: outcome.providerMessageId }, verification?.country ?? null, this.clock.now());
    return updated ? 'applied' : 'ignored';
  }
}

function refused(): AppError {
  return new AppError('receipt_refused', 'This delivery receipt is not authenticated for that provider and message.');
}
