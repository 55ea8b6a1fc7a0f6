import { createHash, createHmac } from 'node:crypto';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import { SendError } from '../../core/ports.js';
import { E164_PATTERN } from '../../core/phone.js';
import type { ProviderContext, ProviderSettings, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { field, httpCall, statusError } from './http-call.js';
import { header, safeEqual, SIGNATURE_WINDOW_MS } from './receipt-auth.js';

/**
 * Sinch Voice API, the call channel: a text-to-speech callout
 * (https://developers.sinch.com/docs/voice/api-reference/voice/callouts):
 * `POST {voice_api_url}/calling/v1/callouts`, JSON `{method: "ttsCallout", ttsCallout: {cli,
 * destination: {type: "number", endpoint}, locale, text, custom, enableDice}}`; answers `200`
 * with `{callId}`; errors are `{errorCode, message, reference}` with the HTTP status
 * (https://developers.sinch.com/docs/voice/api-reference/errors).
 *
 * Authentication is the application signed request, which Sinch recommends over Basic for
 * production (https://developers.sinch.com/docs/voice/api-reference/authentication/signed-request):
 * `Authorization: Application <key>:Base64(HMAC-SHA256(Base64-decode(secret), StringToSign))`,
 * StringToSign = method, Base64(MD5(body)), content type, `x-timestamp:<ISO 8601>`, path — one
 * per line. Sinch signs its callbacks the same way
 * (https://developers.sinch.com/docs/voice/api-reference/authentication/callback-signed-request).
 *
 * Call events go to the Voice application's callback URL (one per application, set in the
 * dashboard: `<public url>/v1/dlr/<provider name>`), not to a URL per call; with `enableDice`
 * the Disconnected Call Event (DiCE) reports how the call ended, with our `custom` and its `callid`.
 */

type CallContent = Extract<OutgoingMessage['content'], { channel: 'call' }>;

/** The Voice API's global endpoint (regional ones: calling-euc1, calling-use1, … .api.sinch.com). */
export const SINCH_VOICE_URL = 'https://calling.api.sinch.com';

/** Base64(HMAC-SHA256(Base64-decode(secret), StringToSign)), Sinch's application signature. */
export function sinchSignature(secret: string, method: string, rawBody: string, contentType: string, timestamp: string, path: string): string {
  const md5 = rawBody.length > 0 ? createHash('md5').update(Buffer.from(rawBody, 'utf8')).digest('base64') : '';
  const stringToSign = [method.toUpperCase(), md5, contentType, `x-timestamp:${timestamp}`, path].join('\n');
  return createHmac('sha256', Buffer.from(secret, 'base64')).update(Buffer.from(stringToSign, 'utf8')).digest('base64');
}

export function ttsCallout(message: OutgoingMessage, content: CallContent, settings: ProviderSettings): Record<string, unknown> {
  const cli = settings.call_from ?? (settings.from && E164_PATTERN.test(settings.from) ? settings.from : undefined);
  return {
    method: 'ttsCallout',
    ttsCallout: {
      ...(cli ? { cli } : {}),
      destination: { type: 'number', endpoint: message.to },
      // A language tag; the service's voice is a name of another vendor's catalogue (Twilio's), which Sinch does not take.
      locale: content.language,
      text: content.speech,
      custom: message.messageId,
      enableDice: message.callbackUrl !== null,
    },
  };
}

export async function sendCall(context: ProviderContext, settings: ProviderSettings, message: OutgoingMessage, content: CallContent): Promise<SendResult> {
  if (!settings.application_key || !settings.application_secret) {
    throw new SendError('sinch_voice_not_configured', 'the sinch provider needs application_key and application_secret (a Voice application) to place calls', false);
  }
  const url = new URL(`${(settings.voice_api_url ?? SINCH_VOICE_URL).replace(/\/+$/, '')}/calling/v1/callouts`);
  const body = JSON.stringify(ttsCallout(message, content, settings));
  const contentType = 'application/json';
  const timestamp = new Date(context.clock.now()).toISOString();
  const signature = sinchSignature(settings.application_secret, 'POST', body, contentType, timestamp, url.pathname);
  const answer = await httpCall(context, {
    method: 'POST',
    url: url.toString(),
    headers: { authorization: `Application ${settings.application_key}:${signature}`, 'x-timestamp': timestamp, 'content-type': contentType, accept: 'application/json' },
    body,
  });
  if (answer.status >= 200 && answer.status < 300) {
    const id = field(answer.json, 'callId');
    return { providerMessageId: typeof id === 'string' ? id : null };
  }
  const code = field(answer.json, 'errorCode');
  throw statusError(typeof code === 'string' || typeof code === 'number' ? `sinch_${code}` : null, answer.status, String(field(answer.json, 'message') ?? answer.text));
}

/**
 * A signed call event. Only DiCE is asked for (no ACE, ICE or PIE), and read as
 * (https://developers.sinch.com/docs/voice/api-reference/voice/callbacks — `result`):
 * ANSWERED → delivered (the text was read out); BUSY, NOANSWER → undelivered (the person did
 * not take the call, another channel may reach them); FAILED → failed (the call could not be
 * placed). The error code names the `reason` when Sinch gives one (`sinch_calleehangup`,
 * `sinch_timeout`, `sinch_blocked`…), else the result.
 */
export function callEventReceipt(settings: ProviderSettings, request: ReceiptRequest): ReceiptOutcome {
  const key = settings.application_key;
  const secret = settings.application_secret;
  if (!key || !secret) return { accepted: false, reason: 'no Voice application configured' };
  const match = /^application\s+([^:\s]+):(\S+)$/i.exec(header(request, 'authorization') ?? '');
  const timestamp = header(request, 'x-timestamp') ?? '';
  const at = Date.parse(timestamp);
  if (!match || !Number.isFinite(at) || Math.abs(request.now - at) > SIGNATURE_WINDOW_MS) return { accepted: false, reason: 'bad or stale Sinch signature' };
  const expected = sinchSignature(secret, request.method, request.rawBody, header(request, 'content-type') ?? '', timestamp, new URL(request.url).pathname);
  if (!safeEqual(match[1], key) || !safeEqual(match[2], expected)) return { accepted: false, reason: 'bad Sinch signature' };
  const f = request.fields;
  const callId = field(f, 'callid');
  const providerMessageId = typeof callId === 'string' ? callId : null;
  if (field(f, 'event') !== 'dice') return { accepted: true, status: null, errorCode: null, providerMessageId };
  const result = String(field(f, 'result') ?? '');
  const reason = field(f, 'reason');
  const errorCode = typeof reason === 'string' && reason !== '' && reason !== 'N/A' ? `sinch_${reason.toLowerCase()}` : `sinch_${result.toLowerCase()}`;
  switch (result) {
    case 'ANSWERED':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId };
    case 'BUSY':
    case 'NOANSWER':
      return { accepted: true, status: 'undelivered', errorCode, providerMessageId };
    case 'FAILED':
      return { accepted: true, status: 'failed', errorCode, providerMessageId };
    default:
      return { accepted: true, status: null, errorCode: null, providerMessageId };
  }
}
