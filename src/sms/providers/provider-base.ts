import type { OutgoingMessage, SendResult, MessageSender } from '../../core/ports.js';
import type { ProviderContext, ProviderDefinition } from '../provider-types.js';

/** What every vendor provider holds: its definition (name, settings) and the send's context. Built per send. */
export abstract class ProviderBase implements MessageSender {
  readonly name: string;
  constructor(protected readonly definition: ProviderDefinition, protected readonly context: ProviderContext) {
    this.name = definition.name;
  }
  abstract send(sms: OutgoingMessage): Promise<SendResult>;
}
