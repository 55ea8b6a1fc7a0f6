import { createHmac } from 'node:crypto';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import { SendError } from '../../core/ports.js';
import { E164_PATTERN } from '../../core/phone.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { basicAuth, field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { header, safeEqual } from './receipt-auth.js';
import { callForm, callReceipt } from './twilio.voice.js';
import { validateContentSids, whatsAppForm } from './twilio.whatsapp.js';

/**
 * Twilio, three channels on one account, all HTTP Basic (Account SID : Auth Token, or API Key
 * SID : secret with `account_sid` still in the path) and form-encoded:
 * - SMS, Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, `To`,
 *   `From` or `MessagingServiceSid`, `Body`, `StatusCallback`
 *   (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
 * - WhatsApp: the same endpoint with `whatsapp:` addresses and a Content API template
 *   (twilio.whatsapp.ts).
 * - Voice call: `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` with inline TwiML
 *   (twilio.voice.ts).
 * Both answer `201` with the resource (`sid`: SM…/MM… or CA…); errors are
 * `{code, message, more_info, status}` (https://www.twilio.com/docs/usage/twilios-response).
 */
class TwilioProvider extends ProviderBase {

  async send(message: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const content = message.content;
    switch (content.channel) {
      case 'sms': {
        const form = new URLSearchParams({ To: message.to, Body: message.body });
        // A Messaging Service chosen for the number's country (the service's MessagingConfigurations) comes first.
        const messagingService = message.messagingServiceSid ?? s.messaging_service_sid;
        if (messagingService) form.set('MessagingServiceSid', messagingService);
        else form.set('From', message.from ?? s.from ?? '');
        if (message.callbackUrl) form.set('StatusCallback', message.callbackUrl);
        return this.#post('Messages.json', form);
      }
      case 'whatsapp':
        return this.#post('Messages.json', whatsAppForm(message, content, s));
      case 'call':
        return this.#post('Calls.json', callForm(message, content, s));
      default:
        throw new SendError('channel_unsupported', `the twilio provider does not send ${content.channel}`, false);
    }
  }

  async #post(resource: 'Messages.json' | 'Calls.json', form: URLSearchParams): Promise<SendResult> {
    const s = this.definition.settings;
    const base = (s.api_url ?? 'https://api.twilio.com').replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/2010-04-01/Accounts/${encodeURIComponent(s.account_sid!)}/${resource}`,
      headers: {
        authorization: basicAuth(s.api_key_sid ?? s.account_sid!, s.auth_token!),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
    });
    if (answer.status === 201 || answer.status === 200) {
      const sid = field(answer.json, 'sid');
      return { providerMessageId: typeof sid === 'string' ? sid : null };
    }
    // 429 (code 20429) and 5xx are retryable; 4xx such as 21211 (invalid To), 21610 (opted out),
    // 63016 (WhatsApp outside the session window) or 21215 (call geo permission) are not.
    const code = field(answer.json, 'code');
    throw statusError(typeof code === 'number' || typeof code === 'string' ? `twilio_${code}` : null, answer.status, String(field(answer.json, 'message') ?? answer.text));
  }
}

/**
 * `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token, full URL + each POST parameter's name and
 * value, sorted by name)). The token that signs is the account's Auth Token (`signing_token`
 * when requests authenticate with an API key).
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export function twilioSignature(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** Status callbacks of all three channels come signed the same way to the same route: a call's carry `CallStatus`, a message's (SMS or WhatsApp) `MessageStatus`. */
function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  const token = definition.settings.signing_token ?? definition.settings.auth_token;
  const params = Object.fromEntries(Object.entries(request.fields).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const signature = header(request, 'x-twilio-signature');
  if (!token || !safeEqual(signature, twilioSignature(token, request.url, params))) return { accepted: false, reason: 'bad X-Twilio-Signature' };
  if (params.CallStatus !== undefined && params.MessageStatus === undefined) return callReceipt(params);
  const sid = params.MessageSid ?? params.SmsSid ?? null;
  const errorCode = params.ErrorCode ? `twilio_${params.ErrorCode}` : null;
  switch (params.MessageStatus ?? params.SmsStatus) {
    case 'delivered':
    case 'read': // WhatsApp: read implies delivered
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId: sid };
    case 'undelivered':
      return { accepted: true, status: 'undelivered', errorCode, providerMessageId: sid };
    case 'failed':
      return { accepted: true, status: 'failed', errorCode, providerMessageId: sid };
    case 'sent':
      return { accepted: true, status: 'sent', errorCode: null, providerMessageId: sid };
    default:
      // queued, accepted, sending, scheduled: nothing to record yet.
      return { accepted: true, status: null, errorCode: null, providerMessageId: sid };
  }
}

const e164 = (v: string) => (E164_PATTERN.test(v) ? null : 'must be an E.164 number (+ and up to 15 digits)');

export const twilioProvider: ProviderModule = {
  type: 'twilio',
  channels: ['sms', 'whatsapp', 'call'],
  fields: [
    { key: 'account_sid', required: true, secret: false, description: 'Account SID (AC…)', validate: (v) => (/^AC[0-9a-fA-F]{32}$/.test(v) ? null : 'must be AC followed by 32 hex digits') },
    { key: 'auth_token', required: true, secret: true, description: 'Auth Token (or the API key secret when api_key_sid is set)' },
    { key: 'api_key_sid', required: false, secret: false, description: 'API key SID (SK…) to authenticate with instead of the Account SID' },
    { key: 'signing_token', required: false, secret: true, description: 'Auth Token that signs status callbacks, when auth_token is an API key secret' },
    { key: 'from', required: false, secret: false, description: 'Default sender number or alphanumeric id when no sender id rule applies', example: '+14155550100' },
    { key: 'messaging_service_sid', required: false, secret: false, description: 'Send through a Messaging Service (MG…) instead of From (SMS, and WhatsApp when whatsapp_from is not set)' },
    { key: 'whatsapp_from', required: false, secret: false, description: 'WhatsApp sender number (E.164, sent as whatsapp:+…); needed for WhatsApp unless messaging_service_sid has a WhatsApp sender', example: '+14155238886', validate: e164 },
    { key: 'whatsapp_content_sid', required: false, secret: false, description: 'Content SID (HX…) of the approved WhatsApp authentication template, or one per language: en=HX…;pt_BR=HX…;*=HX…. A service template that is itself an HX… SID wins.', validate: validateContentSids },
    { key: 'call_from', required: false, secret: false, description: 'Voice-capable Twilio number calls come from (E.164). Default: from, when that is a number', example: '+14155550100', validate: e164 },
    { key: 'call_timeout', required: false, secret: false, description: 'Seconds a call rings before it is no-answer (5–600). Default Twilio\'s, 60', validate: (v) => (/^\d+$/.test(v) && Number(v) >= 5 && Number(v) <= 600 ? null : 'must be a whole number of seconds from 5 to 600') },
    { key: 'api_url', required: false, secret: false, description: 'API base URL. Default https://api.twilio.com', validate: requireHttpUrl },
  ],
  create: (definition, context) => new TwilioProvider(definition, context),
  receipt,
};
