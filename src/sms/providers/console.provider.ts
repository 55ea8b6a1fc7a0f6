import { newId } from '../../core/ids.js';
import { maskAddress } from '../../core/destination.js';
import type { OutgoingMessage, SendResult, MessageSender } from '../../core/ports.js';
import type { ProviderContext, ProviderModule } from '../provider-types.js';

/**
 * The development provider: nothing leaves the machine. The message is logged with its code
 * masked and kept (sealed) in the dev outbox, where `GET /v1/outbox` and tests read it.
 */
export class ConsoleProvider implements MessageSender {
  constructor(private readonly context: ProviderContext, readonly name = 'console') {}

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const { devOutbox, logger, clock, random } = this.context;
    const id = newId('obx', clock, random);
    await devOutbox.addDevOutboxEntry({
      id,
      serviceId: sms.serviceId,
      mode: sms.mode,
      verificationId: sms.verificationId,
      messageId: sms.messageId,
      channel: sms.content.channel,
      to: sms.to,
      body: sms.body,
      createdAt: clock.now(),
    });
    logger.info(
      { provider: this.name, message_id: sms.messageId, verification_id: sms.verificationId, channel: sms.content.channel, to: maskAddress(sms.to), from: sms.from, body: sms.redactedBody },
      'message sent to the dev outbox',
    );
    return { providerMessageId: id };
  }
}

export const consoleProvider: ProviderModule = {
  type: 'console',
  channels: ['sms', 'whatsapp', 'call', 'email'],
  fields: [],
  create: (definition, context) => new ConsoleProvider(context, definition.name),
};
