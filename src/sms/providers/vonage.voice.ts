import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderContext, ProviderSettings, ReceiptOutcome } from '../provider-types.js';
import { field, httpCall } from './http-call.js';
import { digitsOnly } from './receipt-auth.js';
import { applicationApiError, applicationToken, requireSettings } from './vonage.application.js';

/**
 * A text-to-speech call through the Vonage Voice API: `POST {voice_api_url}/v1/calls` with the
 * application's JWT, `to: [{type: "phone", number}]`, `from: {type: "phone", number}` (or
 * `random_from_number: true` when no `voice_from` is set) and an inline NCCO of one `talk` action
 * (`text`, `language` as a BCP 47 tag, `style` when the service chose a numeric one), so the call
 * ends once the speech has been read. `event_url` (with `event_method: POST`) brings the call's
 * status events back to the receipt route, asked for only when they can be verified
 * (`signature_secret`). Answers `201 {"uuid", "status", "direction", "conversation_uuid"}`;
 * errors are RFC 7807 bodies (see applicationApiError).
 * https://developer.vonage.com/en/api/voice#createCall, https://developer.vonage.com/en/voice/voice-api/ncco-reference#talk
 */
export async function sendVonageCall(context: ProviderContext, s: ProviderSettings, message: OutgoingMessage): Promise<SendResult> {
  const content = message.content;
  if (content.channel !== 'call') throw new TypeError('not a call');
  requireSettings(s, 'call', ['application_id', 'private_key']);
  const talk: Record<string, unknown> = { action: 'talk', text: content.speech, language: content.language };
  // Vonage chooses voices by language and a numeric style (the named voices are retired).
  if (content.voice && /^\d{1,2}$/.test(content.voice)) talk.style = Number(content.voice);
  const body: Record<string, unknown> = {
    to: [{ type: 'phone', number: digitsOnly(message.to) }],
    ...(s.voice_from ? { from: { type: 'phone', number: digitsOnly(s.voice_from) } } : { random_from_number: true }),
    ncco: [talk],
  };
  if (message.callbackUrl && s.signature_secret) {
    body.event_url = [message.callbackUrl];
    body.event_method = 'POST';
  }
  const token = await applicationToken(s.application_id!, s.private_key!, context.clock.now());
  const base = (s.voice_api_url ?? 'https://api.nexmo.com').replace(/\/+$/, '');
  const answer = await httpCall(context, {
    method: 'POST',
    url: `${base}/v1/calls`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (answer.status === 201 || answer.status === 200) {
    const id = field(answer.json, 'uuid');
    return { providerMessageId: typeof id === 'string' ? id : null };
  }
  throw applicationApiError('call', answer);
}

/**
 * A Voice API call event (https://developer.vonage.com/en/voice/voice-api/webhook-reference#event-webhook):
 * `{uuid, conversation_uuid, status, direction, timestamp, from, to, detail?, duration?}`.
 *
 * - `answered`, and `completed` of a call that lasted, are `delivered`: the person picked up and
 *   heard the code (a `completed` with duration 0 adds nothing to the failure event before it).
 * - `busy`, `timeout`, `unanswered`, `rejected` and `cancelled` are `undelivered`: the number rang
 *   or exists, but the code was not heard; another try or another channel may still reach them.
 * - `failed` is `failed`: Vonage could not place the call at all (invalid or unreachable number,
 *   not routable), so calling again the same way will not help.
 * - `started`, `ringing`, `machine`, `human` are intermediate, not recorded.
 * `detail` (e.g. `invalid_number`, `restricted`) becomes the error code when present.
 */
export function vonageCallStatus(fields: Readonly<Record<string, unknown>>): ReceiptOutcome {
  const id = field(fields, 'uuid');
  const providerMessageId = typeof id === 'string' ? id : null;
  const status = String(field(fields, 'status') ?? '');
  const detail = field(fields, 'detail');
  const reason = typeof detail === 'string' && /^[a-z0-9_]{1,40}$/.test(detail) ? detail : status;
  switch (status) {
    case 'answered':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId };
    case 'completed':
      if (String(field(fields, 'duration') ?? '') === '0') return { accepted: true, status: null, errorCode: null, providerMessageId };
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId };
    case 'busy':
    case 'timeout':
    case 'unanswered':
    case 'rejected':
    case 'cancelled':
      return { accepted: true, status: 'undelivered', errorCode: `vonage_call_${reason}`, providerMessageId };
    case 'failed':
      return { accepted: true, status: 'failed', errorCode: `vonage_call_${reason}`, providerMessageId };
    default:
      return { accepted: true, status: null, errorCode: null, providerMessageId };
  }
}
