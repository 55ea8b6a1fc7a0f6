import { createHmac } from 'node:crypto';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import { SendError } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest, ReceiptStatus } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { field, httpCall, isRetryableStatus, requireHttpUrl } from './http-call.js';
import { header, safeEqual } from './receipt-auth.js';

/**
 * The WhatsApp Business Cloud API, Meta's own (no reseller between): one authentication
 * template message per code.
 *
 * Send: `POST {api_url}/{api_version}/{phone_number_id}/messages`, `Authorization: Bearer
 * <access token>` (a System User token), JSON `{messaging_product: "whatsapp", to, type:
 * "template", template: {name, language: {code}, components}}` where an authentication
 * template's components are the code twice: the body parameter and the copy-code / one-tap
 * button's (`sub_type: "url"`, `index: "0"`) parameter
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates/auth-otp-template-messages).
 * Answers `200` with `{messages: [{id: "wamid…"}]}`; errors are Graph API errors
 * `{error: {message, type, code, error_subcode, error_data: {details}, fbtrace_id}}`
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes),
 * throttling among them with HTTP 400, so the retry rule reads `code` as well as the status.
 *
 * Status webhooks: the app's callback URL (one per Meta app, or per phone number through an
 * override), so they come to the account-wide route `/v1/dlr/<provider name>`, signed with
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications),
 * possibly several statuses in one request. Subscribing the URL takes a GET handshake
 * (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`, answered 200 with the challenge).
 */

/** The Graph API version when `api_version` is not set: v27.0, introduced 4 November 2026. */
export const DEFAULT_GRAPH_VERSION = 'v27.0';

type WhatsAppContent = Extract<OutgoingMessage['content'], { channel: 'whatsapp' }>;

/**
 * Graph API codes that a later try or another provider may get past: API-level and
 * business-account throttling (4, 80007, 130429), the pair and spam rate limits (131056,
 * 131048), and Meta-side unavailability (1, 2, 131000, 131016, 133004).
 */
const RETRYABLE_CODES = new Set([1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004]);

/** Failures that are about the recipient, not our request: the number is not on WhatsApp (131026), Meta held the message back (131049, 130472), the user stopped such messages (131050). */
const UNDELIVERED_CODES = new Set([131026, 131049, 130472, 131050]);

export function authenticationTemplate(to: string, content: WhatsAppContent, reference: string): Record<string, unknown> {
  const code = [{ type: 'text', text: content.code }];
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: content.template,
      language: { code: content.language },
      components: [
        { type: 'body', parameters: code },
        { type: 'button', sub_type: 'url', index: '0', parameters: code },
      ],
    },
    // Comes back in the status webhooks: our message id beside Meta's.
    biz_opaque_callback_data: reference,
  };
}

class WhatsAppCloudProvider extends ProviderBase {

  async send(message: OutgoingMessage): Promise<SendResult> {
    const content = message.content;
    if (content.channel !== 'whatsapp') throw new SendError('channel_unsupported', `the whatsapp provider does not send ${content.channel}`, false);
    const s = this.definition.settings;
    const base = (s.api_url ?? 'https://graph.facebook.com').replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/${s.api_version ?? DEFAULT_GRAPH_VERSION}/${encodeURIComponent(s.phone_number_id!)}/messages`,
      headers: { authorization: `Bearer ${s.access_token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(authenticationTemplate(message.to, content, message.messageId)),
    });
    if (answer.status >= 200 && answer.status < 300) {
      const id = field(answer.json, 'messages', 0, 'id');
      return { providerMessageId: typeof id === 'string' ? id : null };
    }
    const code = field(answer.json, 'error', 'code');
    const detail = field(answer.json, 'error', 'error_data', 'details') ?? field(answer.json, 'error', 'message') ?? answer.text;
    const retryable = isRetryableStatus(answer.status) || (typeof code === 'number' && RETRYABLE_CODES.has(code));
    const vendorCode = typeof code === 'number' || typeof code === 'string' ? `whatsapp_${code}` : `http_${answer.status}`;
    throw new SendError(vendorCode, `HTTP ${answer.status}: ${String(detail).slice(0, 200)}`, retryable);
  }
}

/** `sha256=` + hex HMAC-SHA256 of the raw body with the app secret: what Meta puts in `X-Hub-Signature-256`. */
export function metaSignature(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(Buffer.from(rawBody, 'utf8')).digest('hex')}`;
}

const CHALLENGE = /^[A-Za-z0-9_.-]{1,128}$/;

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  const s = definition.settings;
  if (request.method === 'GET') {
    // The subscription handshake: answered only with the configured verify token, and only with a plain challenge.
    const q = request.query;
    if (q['hub.mode'] !== 'subscribe' || !safeEqual(q['hub.verify_token'], s.verify_token)) return { accepted: false, reason: 'bad hub.verify_token' };
    const challenge = q['hub.challenge'] ?? '';
    if (!CHALLENGE.test(challenge)) return { accepted: false, reason: 'bad hub.challenge' };
    return { accepted: true, status: null, errorCode: null, providerMessageId: null, reply: challenge };
  }
  if (!s.app_secret || !safeEqual(header(request, 'x-hub-signature-256'), metaSignature(s.app_secret, request.rawBody))) {
    return { accepted: false, reason: 'bad X-Hub-Signature-256' };
  }
  const statuses: ReceiptStatus[] = [];
  const entries = field(request.fields, 'entry');
  for (const entry of Array.isArray(entries) ? entries : []) {
    const changes = field(entry, 'changes');
    for (const change of Array.isArray(changes) ? changes : []) {
      if (field(change, 'field') !== 'messages') continue;
      // One app may serve several numbers: only this provider's are its receipts.
      const number = field(change, 'value', 'metadata', 'phone_number_id');
      if (number !== undefined && String(number) !== s.phone_number_id) continue;
      const list = field(change, 'value', 'statuses');
      for (const status of Array.isArray(list) ? list : []) statuses.push(statusOf(status));
    }
  }
  // Inbound messages and other fields are acknowledged and left alone. Meta retries anything but a 200, so the answer is one.
  const [first, ...more] = statuses;
  return { accepted: true, ...(first ?? { status: null, errorCode: null, providerMessageId: null }), ...(more.length > 0 ? { more } : {}), reply: '' };
}

/**
 * sent → sent; delivered and read (read implies delivered) → delivered; failed → undelivered
 * when the error is about the recipient (UNDELIVERED_CODES: fallback to another channel may
 * reach them), else failed (our template, account or request was refused).
 */
function statusOf(status: unknown): ReceiptStatus {
  const id = field(status, 'id');
  const providerMessageId = typeof id === 'string' ? id : null;
  switch (field(status, 'status')) {
    case 'sent':
      return { status: 'sent', errorCode: null, providerMessageId };
    case 'delivered':
    case 'read':
      return { status: 'delivered', errorCode: null, providerMessageId };
    case 'failed': {
      const code = field(status, 'errors', 0, 'code');
      const numeric = typeof code === 'number' ? code : Number(code);
      return { status: UNDELIVERED_CODES.has(numeric) ? 'undelivered' : 'failed', errorCode: code === undefined ? null : `whatsapp_${String(code)}`, providerMessageId };
    }
    default:
      return { status: null, errorCode: null, providerMessageId };
  }
}

export const whatsAppCloudProvider: ProviderModule = {
  type: 'whatsapp',
  channels: ['whatsapp'],
  fields: [
    { key: 'phone_number_id', required: true, secret: false, description: 'WhatsApp Business phone number ID (not the number itself)', validate: (v) => (/^\d{1,32}$/.test(v) ? null : 'must be the numeric phone number ID') },
    { key: 'access_token', required: true, secret: true, description: 'Access token (a System User token with whatsapp_business_messaging)' },
    { key: 'app_secret', required: false, secret: true, description: 'App secret: verifies X-Hub-Signature-256 on status webhooks. Without it, webhooks are refused.' },
    { key: 'verify_token', required: false, secret: true, description: 'Verify token of the webhook subscription (GET hub.verify_token handshake). Without it, the handshake is refused.' },
    { key: 'api_version', required: false, secret: false, description: `Graph API version. Default ${DEFAULT_GRAPH_VERSION}`, validate: (v) => (/^v\d{1,3}\.\d{1,2}$/.test(v) ? null : 'must look like v27.0') },
    { key: 'api_url', required: false, secret: false, description: 'API base URL. Default https://graph.facebook.com', validate: requireHttpUrl },
  ],
  create: (definition, context) => new WhatsAppCloudProvider(definition, context),
  receipt,
};
