import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderContext, ProviderSettings } from '../provider-types.js';
import { field, httpCall, statusError } from './http-call.js';
import type { HttpAnswer } from './http-call.js';
import { digitsOnly, withUrlSecret } from './receipt-auth.js';

/**
 * Infobip's WhatsApp and voice channels, on the same base URL and `App` key as its SMS.
 * Every send gives our message id as Infobip's, so a delivery report names it directly.
 */

/**
 * WhatsApp template message: `POST {base_url}/whatsapp/1/message/template`,
 * `{"messages": [{"from", "to", "messageId", "content": {"templateName", "templateData": {"body":
 * {"placeholders": [code]}, "buttons": [{"type": "URL", "parameter": code}]}, "language"},
 * "notifyUrl"}]}` (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-outbound-messages/send-whatsapp-template-message).
 * An authentication template's copy-code or one-tap button is registered by Meta as a URL
 * button whose parameter is the code (Meta's authentication templates), so it is sent as Infobip's
 * `URL` button; Infobip's `COPY_CODE` button type is the marketing coupon-code button.
 */
export async function sendInfobipWhatsApp(context: ProviderContext, s: ProviderSettings, message: OutgoingMessage): Promise<SendResult> {
  const content = message.content;
  if (content.channel !== 'whatsapp') throw new TypeError('not a WhatsApp message');
  if (!s.whatsapp_from) throw new SendError('provider_not_configured', 'the infobip whatsapp channel needs whatsapp_from', false);
  const entry: Record<string, unknown> = {
    from: digitsOnly(s.whatsapp_from),
    to: digitsOnly(message.to),
    messageId: message.messageId,
    content: {
      templateName: content.template,
      templateData: {
        body: { placeholders: [content.code] },
        buttons: [{ type: 'URL', parameter: content.code }],
      },
      language: content.language,
    },
  };
  const notifyUrl = withUrlSecret(message.callbackUrl, s.dlr_secret);
  if (notifyUrl) entry.notifyUrl = notifyUrl;
  const answer = await post(context, s, '/whatsapp/1/message/template', { messages: [entry] });
  return infobipAnswer(answer, message.messageId);
}

/**
 * Text-to-speech call: `POST {base_url}/tts/3/advanced`, `{"messages": [{"from", "destinations":
 * [{"to", "messageId"}], "text", "language", "voice": {"name"}, "notifyUrl",
 * "notifyContentType"}]}` (https://www.infobip.com/docs/api/channels/voice/voice-message/send-advanced-voice-tts).
 * The text is read once (it already holds both readings of the code).
 */
export async function sendInfobipCall(context: ProviderContext, s: ProviderSettings, message: OutgoingMessage): Promise<SendResult> {
  const content = message.content;
  if (content.channel !== 'call') throw new TypeError('not a call');
  const entry: Record<string, unknown> = {
    destinations: [{ to: digitsOnly(message.to), messageId: message.messageId }],
    text: content.speech,
    language: infobipLanguage(content.language),
  };
  if (s.voice_from) entry.from = digitsOnly(s.voice_from);
  if (content.voice) entry.voice = { name: content.voice };
  const notifyUrl = withUrlSecret(message.callbackUrl, s.dlr_secret);
  if (notifyUrl) {
    entry.notifyUrl = notifyUrl;
    entry.notifyContentType = 'application/json';
  }
  const answer = await post(context, s, '/tts/3/advanced', { messages: [entry] });
  return infobipAnswer(answer, message.messageId);
}

function post(context: ProviderContext, s: ProviderSettings, path: string, body: unknown): Promise<HttpAnswer> {
  return httpCall(context, {
    method: 'POST',
    url: `${s.base_url!.replace(/\/+$/, '')}${path}`,
    headers: { authorization: `App ${s.api_key}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * Infobip's answer to a send, the same for SMS, WhatsApp and voice: `200 {"bulkId", "messages":
 * [{"messageId", "status": {"groupName", "name", "description"}}]}`, where a `REJECTED` group
 * fails at once (`infobip_<status name>`, final); other statuses are errors of the form
 * `{"requestError": {"serviceException": {"messageId", "text"}}}` (`infobip_<messageId>`, retryable
 * by HTTP status).
 */
export function infobipAnswer(answer: HttpAnswer, ourId: string): SendResult {
  if (answer.status === 200) {
    const first = field(answer.json, 'messages', 0);
    if (String(field(first, 'status', 'groupName') ?? '') === 'REJECTED') {
      throw new SendError(`infobip_${String(field(first, 'status', 'name') ?? 'REJECTED')}`, String(field(first, 'status', 'description') ?? 'rejected'), false);
    }
    const id = field(first, 'messageId');
    return { providerMessageId: typeof id === 'string' ? id : ourId };
  }
  const code = field(answer.json, 'requestError', 'serviceException', 'messageId');
  throw statusError(typeof code === 'string' ? `infobip_${code}` : null, answer.status, String(field(answer.json, 'requestError', 'serviceException', 'text') ?? answer.text));
}

/** Infobip's text-to-speech language codes (https://www.infobip.com/docs/voice-and-video/reference#text-to-speech-languages). */
const TTS_LANGUAGES = new Set([
  'ar', 'ar-ma', 'bg', 'bn', 'ca', 'cs', 'da', 'de', 'de-at', 'de-ch', 'el', 'en', 'en-au', 'en-ca', 'en-gb', 'en-gb-wls',
  'en-ie', 'en-in', 'es', 'es-ar', 'es-mx', 'fi', 'fil-ph', 'fr', 'fr-ca', 'fr-ch', 'gu', 'he', 'hi', 'hr', 'hu', 'id', 'is',
  'it', 'ja', 'kk-kz', 'kn', 'ko', 'ml', 'mr-in', 'ms', 'nl', 'no', 'pl', 'pt-br', 'pt-pt', 'ro', 'ru', 'sk', 'sl', 'sv',
  'sw-ke', 'sw-tz', 'ta', 'te', 'th', 'tr', 'uk', 'ur-pk', 'uz-uz', 'vi', 'wls', 'zh-cn', 'zh-tw',
]);

/**
 * A BCP 47 tag as Infobip names the language: the tag itself when Infobip has that variant
 * (`en-GB` → `en-gb`), else its language (`en-US` → `en`); Norwegian Bokmål and Nynorsk are `no`.
 * A language Infobip lacks is sent as is, and Infobip's refusal fails the send.
 */
export function infobipLanguage(tag: string): string {
  const lower = tag.toLowerCase().replace(/_/g, '-');
  if (TTS_LANGUAGES.has(lower)) return lower;
  const primary = lower.split('-')[0]!;
  if (primary === 'nb' || primary === 'nn') return 'no';
  if (primary === 'iw') return 'he';
  return primary;
}
