import { createHash, createSecretKey, timingSafeEqual } from 'node:crypto';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { digitsOnly, header, receiptParams } from './receipt-auth.js';

/**
 * MessageBird (Bird) SMS: `POST https://rest.messagebird.com/messages`,
 * `Authorization: AccessKey <key>`, JSON `{recipients, originator, body, reference, reportUrl,
 * datacoding}`. Answers `201` with the message (`id`); errors are `{"errors": [{"code",
 * "description", "parameter"}]}` (2 bad key, 9 missing, 10 invalid, 25 balance, 99 internal).
 */
class MessageBirdProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const body: Record<string, unknown> = {
      recipients: [digitsOnly(sms.to)],
      originator: sms.from ?? s.originator ?? '',
      body: sms.body,
      reference: sms.messageId,
      datacoding: 'auto',
    };
    if (sms.callbackUrl && s.signing_key) body.reportUrl = sms.callbackUrl;
    const base = (s.api_url ?? 'https://rest.messagebird.com').replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/messages`,
      headers: { authorization: `AccessKey ${s.access_key}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status === 201 || answer.status === 200) {
      const id = field(answer.json, 'id');
      return { providerMessageId: typeof id === 'string' ? id : null };
    }
    const code = field(answer.json, 'errors', 0, 'code');
    // Error 99 (internal) comes with a 5xx and is retryable by status; the rest are 4xx.
    throw statusError(typeof code === 'number' ? `messagebird_${code}` : null, answer.status, String(field(answer.json, 'errors', 0, 'description') ?? answer.text));
  }
}

const sha256 = (data: string) => createHash('sha256').update(data).digest();

/**
 * `MessageBird-Signature-JWT`: an HS256/384/512 JWT signed with the account's signing key, issuer
 * "MessageBird", valid between nbf and exp, whose `url_hash` is SHA-256 of the full URL and
 * `payload_hash` SHA-256 of the body (required when there is one).
 */
export async function messageBirdSignatureValid(signingKey: string, url: string, body: string, token: string, now: number): Promise<boolean> {
  try {
    // Loaded with the first receipt: an instance that does not use MessageBird never holds it.
    const { jwtVerify } = await import('jose');
    const { payload } = await jwtVerify(token, createSecretKey(Buffer.from(signingKey, 'utf8')), {
      issuer: 'MessageBird',
      algorithms: ['HS256', 'HS384', 'HS512'],
      clockTolerance: 5,
      currentDate: new Date(now),
    });
    if (typeof payload.jti !== 'string' || typeof payload.url_hash !== 'string') return false;
    if (!equalHex(payload.url_hash, sha256(url))) return false;
    if (typeof payload.payload_hash === 'string') return equalHex(payload.payload_hash, sha256(body));
    return body.length === 0;
  } catch {
    return false;
  }
}

function equalHex(hex: string, digest: Buffer): boolean {
  const given = Buffer.from(hex, 'hex');
  return given.length === digest.length && timingSafeEqual(given, digest);
}

async function receipt(definition: ProviderDefinition, request: ReceiptRequest): Promise<ReceiptOutcome> {
  const key = definition.settings.signing_key;
  const token = header(request, 'messagebird-signature-jwt');
  if (!key || !token || !(await messageBirdSignatureValid(key, request.url, request.rawBody, token, request.now))) {
    return { accepted: false, reason: 'bad MessageBird-Signature-JWT' };
  }
  const p = receiptParams(request);
  const id = p.id ?? null;
  const errorCode = p.statusErrorCode ? `messagebird_${p.statusErrorCode}` : null;
  switch (p.status) {
    case 'delivered':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId: id };
    case 'delivery_failed':
    case 'expired':
      return { accepted: true, status: 'undelivered', errorCode: errorCode ?? `messagebird_${p.status}`, providerMessageId: id };
    default:
      // scheduled, sent, buffered
      return { accepted: true, status: null, errorCode: null, providerMessageId: id };
  }
}

export const messageBirdProvider: ProviderModule = {
  type: 'messagebird',
  channels: ['sms'],
  fields: [
    { key: 'access_key', required: true, secret: true, description: 'Live access key' },
    { key: 'signing_key', required: false, secret: true, description: 'Signing key (dashboard → developers) that verifies status reports; reports only when set' },
    { key: 'originator', required: false, secret: false, description: 'Default sender', example: 'Acme' },
    { key: 'api_url', required: false, secret: false, description: 'API base URL. Default https://rest.messagebird.com', validate: requireHttpUrl },
  ],
  create: (definition, context) => new MessageBirdProvider(definition, context),
  receipt,
};
