import { createHmac } from 'node:crypto';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { basicAuth, field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { header, receiptParams, safeEqual } from './receipt-auth.js';

/**
 * Plivo Message API: `POST /v1/Account/{auth_id}/Message/`, HTTP Basic (Auth ID : Auth Token),
 * JSON `{src, dst, text, url, method}`. Answers `202 {"message": "message(s) queued",
 * "message_uuid": [...], "api_id": ...}`; errors are `{"api_id": ..., "error": "..."}`.
 */
class PlivoProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const body: Record<string, string> = { src: sms.from ?? s.src ?? '', dst: sms.to, text: sms.body };
    if (s.powerpack_uuid) {
      delete body.src;
      body.powerpack_uuid = s.powerpack_uuid;
    }
    if (sms.callbackUrl) {
      body.url = sms.callbackUrl;
      body.method = 'POST';
    }
    const base = (s.api_url ?? 'https://api.plivo.com').replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/v1/Account/${encodeURIComponent(s.auth_id!)}/Message/`,
      headers: { authorization: basicAuth(s.auth_id!, s.auth_token!), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status === 202 || answer.status === 200) {
      const uuid = field(answer.json, 'message_uuid', 0);
      return { providerMessageId: typeof uuid === 'string' ? uuid : null };
    }
    throw statusError(`plivo_http_${answer.status}`, answer.status, String(field(answer.json, 'error') ?? answer.text));
  }
}

/**
 * `X-Plivo-Signature-V2`: Base64(HMAC-SHA256(auth token, callback URL without its query +
 * `X-Plivo-Signature-V2-Nonce`)).
 */
export function plivoSignatureV2(authToken: string, url: string, nonce: string): string {
  const u = new URL(url);
  return createHmac('sha256', authToken).update(`${u.origin}${u.pathname}${nonce}`).digest('base64');
}

const STATUS: Record<string, 'sent' | 'delivered' | 'undelivered' | 'failed'> = {
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  rejected: 'failed',
};

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  const token = definition.settings.auth_token!;
  const nonce = header(request, 'x-plivo-signature-v2-nonce');
  if (!nonce || !safeEqual(header(request, 'x-plivo-signature-v2'), plivoSignatureV2(token, request.url, nonce))) {
    return { accepted: false, reason: 'bad X-Plivo-Signature-V2' };
  }
  const p = receiptParams(request);
  const status = STATUS[(p.Status ?? '').toLowerCase()] ?? null;
  const errorCode = p.ErrorCode && p.ErrorCode !== '000' && p.ErrorCode !== '' ? `plivo_${p.ErrorCode}` : null;
  return { accepted: true, status, errorCode: status === 'sent' || status === 'delivered' ? null : errorCode, providerMessageId: p.MessageUUID ?? null };
}

export const plivoProvider: ProviderModule = {
  type: 'plivo',
  channels: ['sms'],
  fields: [
    { key: 'auth_id', required: true, secret: false, description: 'Auth ID' },
    { key: 'auth_token', required: true, secret: true, description: 'Auth Token (also signs callbacks)' },
    { key: 'src', required: false, secret: false, description: 'Default sender number or id', example: '+14155550100' },
    { key: 'powerpack_uuid', required: false, secret: false, description: 'Send through a Powerpack instead of src' },
    { key: 'api_url', required: false, secret: false, description: 'API base URL. Default https://api.plivo.com', validate: requireHttpUrl },
  ],
  create: (definition, context) => new PlivoProvider(definition, context),
  receipt,
};
