import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderModule } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { AWS_ACCOUNT_FIELDS, AWS_ENDPOINT_FIELD, awsClientOptions } from './aws.js';

/**
 * AWS SNS direct-to-phone publish through the official SDK (SigV4, the Query protocol, error
 * parsing): `Publish {PhoneNumber, Message, MessageAttributes: AWS.SNS.SMS.SMSType,
 * AWS.SNS.SMS.SenderID, AWS.MM.SMS.OriginationNumber}`. SNS has no per-message receipt
 * callback (delivery logs go to CloudWatch), so a message ends at `sent` here.
 */
const RETRYABLE_CODES = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'InternalError', 'InternalFailure', 'ServiceUnavailable', 'KMSThrottlingException', 'RequestTimeout']);

class SnsProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    // Loaded on first use: instances that do not send through SNS never load the AWS SDK.
    const { PublishCommand, SNSClient } = await import('@aws-sdk/client-sns');
    const client = new SNSClient(awsClientOptions(s));
    const attributes: Record<string, MessageAttributeValue> = {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: s.sms_type ?? 'Transactional' },
    };
    const from = sms.from ?? s.sender_id;
    if (from && /^\+?\d+$/.test(from)) attributes['AWS.MM.SMS.OriginationNumber'] = { DataType: 'String', StringValue: from };
    else if (from) attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: from };
    try {
      const result = await client.send(
        new PublishCommand({ PhoneNumber: sms.to, Message: sms.body, MessageAttributes: attributes }),
        this.context.signal ? { abortSignal: this.context.signal } : {},
      );
      return { providerMessageId: result.MessageId ?? null };
    } catch (error) {
      throw toSendError(error);
    } finally {
      client.destroy();
    }
  }
}

function toSendError(error: unknown): SendError {
  const e = error as { name?: string; Code?: unknown; message?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'AbortError') return new SendError('timeout', 'SNS did not answer in time', true);
  // The SDK names modelled errors `<Code>Exception`; the documented wire code is the stable one.
  const code = typeof e.Code === 'string' ? e.Code : (e.name ?? 'UnknownError').replace(/Exception$/, '');
  const status = e.$metadata?.httpStatusCode;
  const retryable = RETRYABLE_CODES.has(code) || e.$fault === 'server' || e.$retryable !== undefined || status === undefined || status >= 500 || status === 429;
  return new SendError(`sns_${code}`, e.message ?? code, retryable);
}

export const snsProvider: ProviderModule = {
  type: 'sns',
  channels: ['sms'],
  fields: [
    ...AWS_ACCOUNT_FIELDS,
    { key: 'sms_type', required: false, secret: false, description: 'Transactional (default) or Promotional', validate: (v) => (v === 'Transactional' || v === 'Promotional' ? null : 'must be Transactional or Promotional') },
    { key: 'sender_id', required: false, secret: false, description: 'Default sender id or origination number' },
    AWS_ENDPOINT_FIELD,
  ],
  create: (definition, context) => new SnsProvider(definition, context),
};
