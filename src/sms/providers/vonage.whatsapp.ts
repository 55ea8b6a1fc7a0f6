import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderContext, ProviderSettings, ReceiptOutcome } from '../provider-types.js';
import { basicAuth, field, httpCall } from './http-call.js';
import { digitsOnly } from './receipt-auth.js';
import { applicationApiError, applicationToken, requireSettings } from './vonage.application.js';

/**
 * WhatsApp through the Vonage Messages API v1: `POST {messages_api_url}/v1/messages`.
 *
 * An authentication template has a copy-code (or one-tap) button, which makes it an interactive
 * template: Vonage takes those as `message_type: "custom"`, whose `custom` object is passed to
 * WhatsApp as is (https://developer.vonage.com/en/messages/code-snippets/whatsapp/send-authentication-template).
 * Its components are Meta's for authentication templates: the code as the body parameter and as
 * the parameter of button 0, sub-type `url` (Meta turns the OTP button into a URL button when the
 * template is created; https://developers.facebook.com/docs/whatsapp/business-management-api/authentication-templates).
 *
 * Auth: the application's JWT when `application_id` and `private_key` are set, else Basic with the
 * API key and secret — Vonage accepts both on the Messages API, but sends status webhooks only to
 * applications (https://developer.vonage.com/en/getting-started/concepts/authentication).
 * `webhook_url` (per message, overriding the application's status URL) is asked for only as an
 * application and when the webhook can be verified (`signature_secret`), with `webhook_version: "v1"`.
 * Answers `202 {"message_uuid"}`; errors are RFC 7807 bodies (see applicationApiError).
 */
export async function sendVonageWhatsApp(context: ProviderContext, s: ProviderSettings, message: OutgoingMessage): Promise<SendResult> {
  const content = message.content;
  if (content.channel !== 'whatsapp') throw new TypeError('not a WhatsApp message');
  requireSettings(s, 'whatsapp', ['whatsapp_from']);
  const body: Record<string, unknown> = {
    message_type: 'custom',
    channel: 'whatsapp',
    to: digitsOnly(message.to),
    from: digitsOnly(s.whatsapp_from!),
    client_ref: message.messageId,
    custom: {
      type: 'template',
      template: {
        name: content.template,
        language: { policy: 'deterministic', code: content.language },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: content.code }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: content.code }] },
        ],
      },
    },
  };
  const asApplication = Boolean(s.application_id && s.private_key);
  if (message.callbackUrl && s.signature_secret && asApplication) {
    body.webhook_url = message.callbackUrl;
    body.webhook_version = 'v1';
  }
  const authorization = asApplication
    ? `Bearer ${await applicationToken(s.application_id!, s.private_key!, context.clock.now())}`
    : basicAuth(s.api_key!, s.api_secret!);
  const base = (s.messages_api_url ?? 'https://api.nexmo.com').replace(/\/+$/, '');
  const answer = await httpCall(context, {
    method: 'POST',
    url: `${base}/v1/messages`,
    headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (answer.status === 202 || answer.status === 200) {
    const id = field(answer.json, 'message_uuid');
    return { providerMessageId: typeof id === 'string' ? id : null };
  }
  throw applicationApiError('whatsapp', answer);
}

/**
 * A Messages API status webhook (https://developer.vonage.com/en/messages/concepts/whatsapp/wa-status-callbacks):
 * `{message_uuid, to, from, timestamp, status, error?: {type, title, detail}, channel, client_ref}`.
 * `delivered` and `read` mean it reached the phone. `rejected` (by Vonage or WhatsApp: not a
 * WhatsApp user, template not approved, TTL passed) is `failed`: this request will never be
 * delivered as sent. `undeliverable` (Vonage could not reach WhatsApp) is `undelivered`.
 * `submitted` is an intermediate state, not recorded.
 */
export function vonageWhatsAppStatus(fields: Readonly<Record<string, unknown>>): ReceiptOutcome {
  const id = field(fields, 'message_uuid');
  const providerMessageId = typeof id === 'string' ? id : null;
  const type = field(fields, 'error', 'type');
  const reason = typeof type === 'string' ? /[#/]([A-Za-z0-9_-]{1,40})$/.exec(type)?.[1] : undefined;
  switch (field(fields, 'status')) {
    case 'delivered':
    case 'read':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId };
    case 'rejected':
      return { accepted: true, status: 'failed', errorCode: `vonage_whatsapp_${reason ?? 'rejected'}`, providerMessageId };
    case 'undeliverable':
      return { accepted: true, status: 'undelivered', errorCode: `vonage_whatsapp_${reason ?? 'undeliverable'}`, providerMessageId };
    default:
      return { accepted: true, status: null, errorCode: null, providerMessageId };
  }
}
