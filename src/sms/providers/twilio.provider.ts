import { createHmac } from 'node:crypto';
import type { OutgoingSms, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { basicAuth, field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { header, safeEqual } from './receipt-auth.js';

/**
 * Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * HTTP Basic (Account SID : Auth Token, or API Key SID : secret with `account_sid` still in the
 * path), form-encoded `To`, `From` or `MessagingServiceSid`, `Body`, `StatusCallback`.
 * Answers `201` with the Message resource (`sid`); errors are `{code, message, more_info, status}`.
 */
class TwilioProvider extends ProviderBase {

  async send(sms: OutgoingSms): Promise<SendResult> {
    const s = this.definition.settings;
    const form = new URLSearchParams({ To: sms.to, Body: sms.body });
    // A Messaging Service chosen for the number's country (the service's MessagingConfigurations) comes first.
    const messagingService = sms.messagingServiceSid ?? s.messaging_service_sid;
    if (messagingService) form.set('MessagingServiceSid', messagingService);
    else form.set('From', sms.from ?? s.from ?? '');
    if (sms.callbackUrl) form.set('StatusCallback', sms.callbackUrl);
    const base = (s.api_url ?? 'https://api.twilio.com').replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/2010-04-01/Accounts/${encodeURIComponent(s.account_sid!)}/Messages.json`,
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
    // 429 (code 20429) and 5xx are retryable; 4xx such as 21211 (invalid To) or 21610 (opted out) are not.
    const code = field(answer.json, 'code');
    throw statusError(typeof code === 'number' || typeof code === 'string' ? `twilio_${code}` : null, answer.status, String(field(answer.json, 'message') ?? answer.text));
  }
}

/**
 * `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token, full URL + each POST parameter's name and
 * value, sorted by name)). The token that signs is the account's Auth Token (`signing_token`
 * when requests authenticate with an API key).
 */
export function twilioSignature(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  const token = definition.settings.signing_token ?? definition.settings.auth_token;
  const params = Object.fromEntries(Object.entries(request.fields).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const signature = header(request, 'x-twilio-signature');
  if (!token || !safeEqual(signature, twilioSignature(token, request.url, params))) return { accepted: false, reason: 'bad X-Twilio-Signature' };
  const sid = params.MessageSid ?? params.SmsSid ?? null;
  const errorCode = params.ErrorCode ? `twilio_${params.ErrorCode}` : null;
  switch (params.MessageStatus ?? params.SmsStatus) {
    case 'delivered':
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

export const twilioProvider: ProviderModule = {
  type: 'twilio',
  fields: [
    { key: 'account_sid', required: true, secret: false, description: 'Account SID (AC…)', validate: (v) => (/^AC[0-9a-fA-F]{32}$/.test(v) ? null : 'must be AC followed by 32 hex digits') },
    { key: 'auth_token', required: true, secret: true, description: 'Auth Token (or the API key secret when api_key_sid is set)' },
    { key: 'api_key_sid', required: false, secret: false, description: 'API key SID (SK…) to authenticate with instead of the Account SID' },
    { key: 'signing_token', required: false, secret: true, description: 'Auth Token that signs status callbacks, when auth_token is an API key secret' },
    { key: 'from', required: false, secret: false, description: 'Default sender number or alphanumeric id when no sender id rule applies', example: '+14155550100' },
    { key: 'messaging_service_sid', required: false, secret: false, description: 'Send through a Messaging Service (MG…) instead of From' },
    { key: 'api_url', required: false, secret: false, description: 'API base URL. Default https://api.twilio.com', validate: requireHttpUrl },
  ],
  create: (definition, context) => new TwilioProvider(definition, context),
  receipt,
};
