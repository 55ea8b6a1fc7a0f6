import type { Logger } from 'pino';
import { newId } from '../../core/ids.js';
import { maskPhone } from '../../core/phone.js';
import type { Clock, DevOutboxStore, OutgoingSms, RandomSource, SendResult, SmsSender } from '../../core/ports.js';

/**
 * The development provider: nothing leaves the machine. The message is logged with its code
 * masked and kept (sealed) in the dev outbox, where `GET /v1/outbox` and tests read it.
 */
export class ConsoleProvider implements SmsSender {
  readonly name = 'console';

  constructor(
    private readonly outbox: DevOutboxStore,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  async send(sms: OutgoingSms): Promise<SendResult> {
    const id = newId('obx', this.clock, this.random);
    await this.outbox.addDevOutboxEntry({
      id,
      serviceId: sms.serviceId,
      verificationId: sms.verificationId,
      messageId: sms.messageId,
      to: sms.to,
      body: sms.body,
      createdAt: this.clock.now(),
    });
    this.logger.info(
      { provider: 'console', message_id: sms.messageId, verification_id: sms.verificationId, to: maskPhone(sms.to), body: sms.redactedBody },
      'sms sent to the dev outbox',
    );
    return { providerMessageId: id };
  }
}
