import { normalizeEmail } from '../../core/email-address.js';
import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderModule } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { AWS_ACCOUNT_FIELDS, AWS_ENDPOINT_FIELD, awsClientOptions } from './aws.js';

/**
 * Email through Amazon SES API v2 `SendEmail` with the official SDK (`@aws-sdk/client-sesv2`:
 * SigV4, REST-JSON, error parsing), as documented at
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html:
 * `POST /v2/email/outbound-emails` with `FromEmailAddress`, `Destination.ToAddresses`,
 * `Content.Simple` (`Subject`, `Body.Text`, `Body.Html`, all UTF-8, and the header
 * `Auto-Submitted: auto-generated`), the optional `ConfigurationSetName`, and the message id as the
 * `EmailTags` entry `otpgate_message_id`, so SES event publishing (bounces, deliveries) can be
 * tied to the message. SES picks the Message-ID itself; its `MessageId` answer is the provider
 * message id. Region, credentials and endpoint settings are those of the SNS provider.
 *
 * Errors are `ses_<Code>` (SendEmail's documented errors and
 * https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html). Retryable: throttling
 * (`TooManyRequestsException`, 429), server faults (5xx), a full quota (`LimitExceededException`)
 * and a paused or suspended account or a missing configuration set (`SendingPausedException`,
 * `AccountSuspendedException`, `NotFoundException`): those are this provider's state, so another
 * provider or a later round may send. Final: `MessageRejected` (the content or a sender SES will
 * not send), `MailFromDomainNotVerifiedException`, `BadRequestException`.
 * Delivery events come through SNS topics or EventBridge, not a per-message callback: messages
 * end at `sent` here, as with SNS.
 */
const RETRYABLE_CODES = new Set([
  'TooManyRequests', 'Throttling', 'ThrottlingException', 'LimitExceeded', 'SendingPaused', 'AccountSuspended', 'NotFound',
  'InternalFailure', 'InternalError', 'ServiceUnavailable', 'RequestTimeout',
]);

class SesProvider extends ProviderBase {
  async send(message: OutgoingMessage): Promise<SendResult> {
    const content = message.content;
    if (content.channel !== 'email') throw new SendError('unsupported_channel', `the ses provider sends email, not ${content.channel}`, false);
    const s = this.definition.settings;
    const sender = message.from ?? s.from ?? null;
    if (!sender) throw new SendError('ses_no_sender', 'no sender address: set OTPGATE_EMAIL_FROM or the provider\'s from', true);
    let from: string;
    let to: string;
    try {
      from = normalizeEmail(sender).address;
    } catch {
      throw new SendError('ses_invalid_sender', 'the sender is not a valid email address', true);
    }
    try {
      to = normalizeEmail(message.to).address;
    } catch {
      throw new SendError('ses_invalid_recipient', 'the recipient is not a valid email address', false);
    }
    // Loaded on first use, as the SNS SDK is.
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const client = new SESv2Client(awsClientOptions(s));
    const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
    try {
      const result = await client.send(
        new SendEmailCommand({
          FromEmailAddress: content.fromName ? `${displayName(content.fromName)} <${from}>` : from,
          Destination: { ToAddresses: [to] },
          Content: {
            Simple: {
              Subject: utf8(content.subject),
              Body: { Text: utf8(content.text), Html: utf8(content.html) },
              Headers: [{ Name: 'Auto-Submitted', Value: 'auto-generated' }],
            },
          },
          EmailTags: [{ Name: 'otpgate_message_id', Value: message.messageId }],
          ...(s.configuration_set ? { ConfigurationSetName: s.configuration_set } : {}),
        }),
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

/**
 * A display name as an RFC 5322 phrase: quoted when plain ASCII, an RFC 2047 encoded word
 * otherwise (SES takes non-ASCII names only that way).
 */
function displayName(name: string): string {
  const clean = name.replace(/[\r\n]+/g, ' ').trim();
  if (/^[\x20-\x7e]*$/.test(clean)) return `"${clean.replace(/(["\\])/g, '\\$1')}"`;
  return `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

function toSendError(error: unknown): SendError {
  const e = error as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'AbortError') return new SendError('timeout', 'SES did not answer in time', true);
  // The SDK names modelled errors as the wire does (MessageRejected, TooManyRequestsException);
  // the code drops the `Exception` suffix so that both spellings read the same.
  const code = (e.name ?? 'UnknownError').replace(/Exception$/, '');
  const status = e.$metadata?.httpStatusCode;
  const retryable = RETRYABLE_CODES.has(code) || e.$fault === 'server' || status === undefined || status >= 500 || status === 429;
  return new SendError(`ses_${code}`, (e.message ?? code).slice(0, 300), retryable);
}

export const sesProvider: ProviderModule = {
  type: 'ses',
  channels: ['email'],
  fields: [
    ...AWS_ACCOUNT_FIELDS,
    {
      key: 'from',
      required: false,
      secret: false,
      description: 'Sender address (a verified identity) when the message names none (OTPGATE_EMAIL_FROM comes first)',
      example: 'no-reply@example.com',
      validate: (v) => {
        try {
          normalizeEmail(v);
          return null;
        } catch (error) {
          return error instanceof Error ? error.message : 'must be an email address';
        }
      },
    },
    {
      key: 'configuration_set',
      required: false,
      secret: false,
      description: 'Configuration set to send with (event publishing, dedicated IPs)',
      validate: (v) => (/^[A-Za-z0-9_-]{1,64}$/.test(v) ? null : 'must be 1-64 of A-Z a-z 0-9 _ -'),
    },
    AWS_ENDPOINT_FIELD,
  ],
  create: (definition, context) => new SesProvider(definition, context),
};
