import { createHash, createHmac } from 'node:crypto';
import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { analyzeSms } from '../segments.js';
import { field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { digitsOnly, receiptParams, safeEqual, SIGNATURE_WINDOW_MS } from './receipt-auth.js';
import { bearerToken, validatePrivateKey, vonageWebhookValid } from './vonage.application.js';
import { sendVonageCall, vonageCallStatus } from './vonage.voice.js';
import { sendVonageWhatsApp, vonageWhatsAppStatus } from './vonage.whatsapp.js';

/**
 * Vonage: SMS through the SMS API (below), WhatsApp through the Messages API (vonage.whatsapp.ts)
 * and text-to-speech calls through the Voice API (vonage.voice.ts); the last two authenticate as
 * a Vonage application (vonage.application.ts).
 *
 * SMS API: `POST https://rest.nexmo.com/sms/json`, form-encoded `api_key`,
 * `api_secret`, `from`, `to` (digits, no "+"), `text`, `type` (`unicode` outside GSM-7),
 * `callback`, `client-ref`. Always `200`; each part has a `status`: "0" is success, the rest
 * are the documented error codes below.
 */
const RETRYABLE_STATUS = new Set(['1', '5', '10']); // Throttled, Internal Error, Too Many Existing Binds

class VonageProvider extends ProviderBase {

  async send(message: OutgoingMessage): Promise<SendResult> {
    switch (message.content.channel) {
      case 'sms':
        return this.sendSms(message);
      case 'whatsapp':
        return sendVonageWhatsApp(this.context, this.definition.settings, message);
      case 'call':
        return sendVonageCall(this.context, this.definition.settings, message);
      default:
        throw new SendError('unsupported_channel', `vonage does not send ${message.content.channel}`, false);
    }
  }

  private async sendSms(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const form = new URLSearchParams({
      api_key: s.api_key!,
      api_secret: s.api_secret!,
      from: sms.from ?? s.from ?? '',
      to: digitsOnly(sms.to),
      text: sms.body,
      type: analyzeSms(sms.body).encoding === 'UCS-2' ? 'unicode' : 'text',
      'client-ref': sms.messageId,
    });
    // Receipts are only asked for when they can be verified (signed callbacks, rule H5).
    if (sms.callbackUrl && s.signature_secret) form.set('callback', sms.callbackUrl);
    const base = (s.api_url ?? 'https://rest.nexmo.com').replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/sms/json`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    if (answer.status !== 200) throw statusError(null, answer.status, answer.text);
    const first = field(answer.json, 'messages', 0);
    const status = String(field(first, 'status') ?? '');
    if (status === '0') {
      const id = field(first, 'message-id');
      return { providerMessageId: typeof id === 'string' ? id : null };
    }
    throw new SendError(`vonage_${status || 'unknown'}`, String(field(first, 'error-text') ?? 'no status'), RETRYABLE_STATUS.has(status));
  }
}

/**
 * Signed callbacks: the `sig` parameter is a digest of every other parameter, sorted by name, as
 * `&name=value` with `&` and `=` in values replaced by `_` — MD5 of that string plus the
 * signature secret (`md5hash`), or an HMAC keyed with it (`md5`, `sha1`, `sha256`, `sha512`).
 */
export function vonageSignature(params: Record<string, string>, secret: string, method: string): string {
  const base = Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `&${k}=${(params[k] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash') return createHash('md5').update(base + secret).digest('hex');
  return createHmac(method, secret).update(base).digest('hex');
}

/**
 * Receipts of every channel come to the same route: a request with `Authorization: Bearer` is a
 * signed webhook of the Messages API (`message_uuid`) or of the Voice API (a call `uuid`);
 * anything else is an SMS API receipt, signed with `sig`.
 */
async function receipt(definition: ProviderDefinition, request: ReceiptRequest): Promise<ReceiptOutcome> {
  const token = bearerToken(request);
  if (token === null) return smsReceipt(definition, request);
  const s = definition.settings;
  if (!s.signature_secret || !(await vonageWebhookValid(token, request, { signatureSecret: s.signature_secret, apiKey: s.api_key!, applicationId: s.application_id }))) {
    return { accepted: false, reason: 'bad or missing signed webhook JWT' };
  }
  if (typeof request.fields.message_uuid === 'string') return vonageWhatsAppStatus(request.fields);
  if (typeof request.fields.uuid === 'string') return vonageCallStatus(request.fields);
  return { accepted: true, status: null, errorCode: null, providerMessageId: null };
}

function smsReceipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  const secret = definition.settings.signature_secret;
  const params = receiptParams(request);
  const method = definition.settings.signature_method ?? 'md5hash';
  if (!secret || !params.sig || !safeEqual(params.sig.toLowerCase(), vonageSignature(params, secret, method))) {
    return { accepted: false, reason: 'bad or missing sig' };
  }
  // `timestamp` (Unix seconds) is signed too: an old receipt replayed later is refused.
  const at = Number(params.timestamp) * 1000;
  if (!Number.isFinite(at) || Math.abs(request.now - at) > SIGNATURE_WINDOW_MS) return { accepted: false, reason: 'stale timestamp' };
  const id = params.messageId ?? null;
  const err = params['err-code'] && params['err-code'] !== '0' ? `vonage_dlr_${params['err-code']}` : null;
  switch (params.status) {
    case 'delivered':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId: id };
    case 'expired':
    case 'failed':
      return { accepted: true, status: 'undelivered', errorCode: err ?? `vonage_${params.status}`, providerMessageId: id };
    case 'rejected':
      return { accepted: true, status: 'failed', errorCode: err ?? 'vonage_rejected', providerMessageId: id };
    default:
      // accepted, buffered, unknown
      return { accepted: true, status: null, errorCode: null, providerMessageId: id };
  }
}

export const vonageProvider: ProviderModule = {
  type: 'vonage',
  channels: ['sms', 'whatsapp', 'call'],
  fields: [
    { key: 'api_key', required: true, secret: false, description: 'API key' },
    { key: 'api_secret', required: true, secret: true, description: 'API secret' },
    { key: 'signature_secret', required: false, secret: true, description: 'Signature secret (dashboard → settings); receipts, WhatsApp statuses and call events are asked for and accepted only when set' },
    { key: 'signature_method', required: false, secret: false, description: 'SMS receipts: md5hash (default), md5, sha1, sha256 or sha512, as set in the dashboard (WhatsApp and call webhooks always use SHA-256)', validate: (v) => (['md5hash', 'md5', 'sha1', 'sha256', 'sha512'].includes(v) ? null : 'must be md5hash, md5, sha1, sha256 or sha512') },
    { key: 'from', required: false, secret: false, description: 'Default SMS sender (Vonage requires one)', example: 'Acme' },
    { key: 'api_url', required: false, secret: false, description: 'SMS API base URL. Default https://rest.nexmo.com', validate: requireHttpUrl },
    { key: 'application_id', required: false, secret: false, description: 'Vonage application id: required for calls; WhatsApp authenticates with it when set (else with the API key and secret)', example: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab' },
    { key: 'private_key', required: false, secret: true, description: 'The application\'s private key (PEM; line breaks may be written as \\n), which signs the JWT of each WhatsApp and Voice API call', validate: validatePrivateKey },
    { key: 'whatsapp_from', required: false, secret: false, description: 'WhatsApp Business sender number (required for WhatsApp)', example: '+14155550100' },
    { key: 'voice_from', required: false, secret: false, description: 'Vonage number calls come from. Unset: a random number of the account', example: '+14155550101' },
    { key: 'messages_api_url', required: false, secret: false, description: 'Messages API (WhatsApp) base URL. Default https://api.nexmo.com', validate: requireHttpUrl },
    { key: 'voice_api_url', required: false, secret: false, description: 'Voice API base URL. Default https://api.nexmo.com', validate: requireHttpUrl },
  ],
  create: (definition, context) => new VonageProvider(definition, context),
  receipt,
};
