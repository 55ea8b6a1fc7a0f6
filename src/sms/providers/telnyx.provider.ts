import { createPublicKey, verify } from 'node:crypto';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { header, SIGNATURE_WINDOW_MS } from './receipt-auth.js';

/**
 * Telnyx Messaging: `POST /v2/messages`, `Authorization: Bearer <API key>`, JSON `{from, to,
 * text, webhook_url, messaging_profile_id}`. Answers `200 {"data": {"id": ...}}`; errors are
 * `{"errors": [{"code": "10009", "title": ..., "detail": ...}]}`.
 */
class TelnyxProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const body: Record<string, string> = { to: sms.to, text: sms.body };
    const from = sms.from ?? s.from;
    if (from) body.from = from;
    if (s.messaging_profile_id) body.messaging_profile_id = s.messaging_profile_id;
    // Receipts only when they can be verified (the account's public key is configured).
    if (sms.callbackUrl && s.public_key) body.webhook_url = sms.callbackUrl;
    const base = (s.api_url ?? 'https://api.telnyx.com').replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/v2/messages`,
      headers: { authorization: `Bearer ${s.api_key}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status >= 200 && answer.status < 300) {
      const id = field(answer.json, 'data', 'id');
      return { providerMessageId: typeof id === 'string' ? id : null };
    }
    const code = field(answer.json, 'errors', 0, 'code');
    throw statusError(typeof code === 'string' || typeof code === 'number' ? `telnyx_${code}` : null, answer.status, String(field(answer.json, 'errors', 0, 'detail') ?? answer.text));
  }
}

/** Telnyx shows the account's Ed25519 public key as 32 raw bytes in base64; Node wants SPKI DER. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function telnyxSignatureValid(publicKeyBase64: string, timestamp: string, rawBody: string, signatureBase64: string): boolean {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (raw.length !== 32) return false;
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  return verify(null, Buffer.from(`${timestamp}|${rawBody}`), key, Buffer.from(signatureBase64, 'base64'));
}

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  const key = definition.settings.public_key;
  const signature = header(request, 'telnyx-signature-ed25519');
  const timestamp = header(request, 'telnyx-timestamp');
  if (!key || !signature || !timestamp || !telnyxSignatureValid(key, timestamp, request.rawBody, signature)) {
    return { accepted: false, reason: 'bad telnyx-signature-ed25519' };
  }
  if (Math.abs(request.now - Number(timestamp) * 1000) > SIGNATURE_WINDOW_MS) return { accepted: false, reason: 'stale telnyx-timestamp' };
  const payload = field(request.fields, 'data', 'payload');
  const id = field(payload, 'id');
  const status = String(field(payload, 'to', 0, 'status') ?? '');
  const error = field(payload, 'errors', 0, 'code');
  const errorCode = typeof error === 'string' || typeof error === 'number' ? `telnyx_${error}` : null;
  const providerMessageId = typeof id === 'string' ? id : null;
  switch (status) {
    case 'delivered':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId };
    case 'delivery_failed':
      return { accepted: true, status: 'undelivered', errorCode: errorCode ?? 'telnyx_delivery_failed', providerMessageId };
    case 'sending_failed':
      return { accepted: true, status: 'failed', errorCode: errorCode ?? 'telnyx_sending_failed', providerMessageId };
    case 'sent':
      return { accepted: true, status: 'sent', errorCode: null, providerMessageId };
    default:
      // queued, sending, delivery_unconfirmed
      return { accepted: true, status: null, errorCode: null, providerMessageId };
  }
}

export const telnyxProvider: ProviderModule = {
  type: 'telnyx',
  channels: ['sms'],
  fields: [
    { key: 'api_key', required: true, secret: true, description: 'API key (KEY…)' },
    { key: 'public_key', required: false, secret: false, description: 'Account public key (base64 Ed25519) that verifies webhooks; receipts only when set' },
    { key: 'from', required: false, secret: false, description: 'Default sender number or alphanumeric id', example: '+14155550100' },
    { key: 'messaging_profile_id', required: false, secret: false, description: 'Messaging profile (needed for alphanumeric senders and number pools)' },
    { key: 'api_url', required: false, secret: false, description: 'API base URL. Default https://api.telnyx.com', validate: requireHttpUrl },
  ],
  create: (definition, context) => new TelnyxProvider(definition, context),
  receipt,
};
