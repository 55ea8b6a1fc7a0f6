import type { OutgoingMessage } from '../../core/ports.js';
import { SendError } from '../../core/ports.js';
import type { ProviderSettings, ReceiptOutcome } from '../provider-types.js';
import { E164_PATTERN } from '../../core/phone.js';

/**
 * Twilio Programmable Voice, the call channel: `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`
 * (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource), form fields `To`,
 * `From` (a voice-capable Twilio number or verified caller id), `Twiml` (the instructions inline,
 * at most 4,000 characters, so no TwiML URL has to be served), `StatusCallback` with
 * `StatusCallbackEvent=completed` (one callback when the call ends; its `CallStatus` is final).
 * Answers `201` with the Call resource (`sid` CA…); errors are the same JSON as Messages.
 */

type CallContent = Extract<OutgoingMessage['content'], { channel: 'call' }>;

/** Twilio's documented limit on the `Twiml` parameter. */
const TWIML_MAX = 4000;

/**
 * `<Response><Say language=… voice=…>speech</Say></Response>`: the code read out once in the
 * message's language (`speech` already holds the two readings). TwiML is XML, and the speech
 * carries text a service chose (its name), so it is escaped — by hand: five entities and the
 * control characters XML 1.0 forbids do not justify a TwiML library.
 * `voice` is left out when the service chose none: Twilio's default voice then speaks
 * (https://www.twilio.com/docs/voice/twiml/say).
 */
export function twimlSay(content: CallContent): string {
  const voice = content.voice ? ` voice="${xmlEscape(content.voice)}"` : '';
  return `<Response><Say language="${xmlEscape(content.language)}"${voice}>${xmlEscape(content.speech)}</Say></Response>`;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function xmlEscape(text: string): string {
  // Characters XML 1.0 cannot hold at all (C0 controls but tab/CR/LF, lone surrogates, U+FFFE/F) are dropped.
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '').replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

/** The number calls come from: `call_from`, else `from` when that is a number (not an alphanumeric id). */
export function callFrom(settings: ProviderSettings): string | null {
  if (settings.call_from) return settings.call_from;
  return settings.from && E164_PATTERN.test(settings.from) ? settings.from : null;
}

/** The Calls.json form of one call message. */
export function callForm(message: OutgoingMessage, content: CallContent, settings: ProviderSettings): URLSearchParams {
  const from = callFrom(settings);
  // Not retryable here, though another provider may have a number: routing moves on to it only for retryable failures,
  // but a missing setting is the operator's to fix, and a retry would fail the same way.
  if (!from) throw new SendError('twilio_call_from_missing', 'the twilio provider needs call_from (a voice-capable number) to place calls', false);
  const twiml = twimlSay(content);
  if (twiml.length > TWIML_MAX) throw new SendError('twilio_twiml_too_long', `the call's TwiML is ${twiml.length} characters; Twilio takes at most ${TWIML_MAX}`, false);
  const form = new URLSearchParams({ To: message.to, From: from, Twiml: twiml });
  if (settings.call_timeout) form.set('Timeout', settings.call_timeout);
  if (message.callbackUrl) {
    form.set('StatusCallback', message.callbackUrl);
    form.set('StatusCallbackEvent', 'completed');
    form.set('StatusCallbackMethod', 'POST');
  }
  return form;
}

/**
 * A call's final `CallStatus` (https://www.twilio.com/docs/voice/api/call-resource#call-status-values):
 * - `completed`: answered and ended — the code was read out: delivered. (Without answering
 *   machine detection a voicemail pick-up is `completed` too; the person can still listen to it.)
 * - `busy`, `no-answer`: the number rang or was reached but nobody took the call — undelivered,
 *   as an SMS that reached the network but not the handset: the person may be reachable later
 *   or on another channel, which is what `undelivered` lets fallback act on.
 * - `failed` (Twilio could not place the call: invalid or unreachable number, carrier refusal)
 *   and `canceled` (ended through the API before it was answered; otpgate never cancels, so it
 *   was stopped on purpose on the account) — failed: the call never reached a phone.
 * - `queued`, `initiated`, `ringing`, `in-progress`: not final, nothing to record.
 */
export function callReceipt(params: Record<string, string>): ReceiptOutcome {
  const sid = params.CallSid ?? null;
  const status = params.CallStatus;
  const errorCode = params.ErrorCode ? `twilio_${params.ErrorCode}` : status ? `twilio_call_${status.replace(/-/g, '_')}` : null;
  switch (status) {
    case 'completed':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId: sid };
    case 'busy':
    case 'no-answer':
      return { accepted: true, status: 'undelivered', errorCode, providerMessageId: sid };
    case 'failed':
    case 'canceled':
      return { accepted: true, status: 'failed', errorCode, providerMessageId: sid };
    default:
      return { accepted: true, status: null, errorCode: null, providerMessageId: sid };
  }
}
