import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import { SendError } from '../../core/ports.js';
import { E164_PATTERN } from '../../core/phone.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { digitsOnly, urlSecretMatches, withUrlSecret } from './receipt-auth.js';
import { callEventReceipt, sendCall, SINCH_VOICE_URL } from './sinch.voice.js';

/**
 * Sinch, two channels:
 * - SMS REST API: `POST https://{region}.sms.api.sinch.com/xms/v1/{service_plan_id}/batches`,
 *   `Authorization: Bearer <API token>`, JSON `{from, to: [...], body, delivery_report,
 *   callback_url, client_reference}`. Answers `201` with the batch (`id`); errors are
 *   `{"code": "syntax_invalid_parameter_format", "text": ...}`
 *   (https://developers.sinch.com/docs/sms/api-reference/sms/batches/sendsms).
 * - Voice API text-to-speech callouts, with a Voice application's key and secret (sinch.voice.ts).
 */
const REGIONS = ['us', 'eu', 'au', 'br', 'ca'];

class SinchProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const content = sms.content;
    if (content.channel === 'call') return sendCall(this.context, this.definition.settings, sms, content);
    if (content.channel !== 'sms') throw new SendError('channel_unsupported', `the sinch provider does not send ${content.channel}`, false);
    const s = this.definition.settings;
    const body: Record<string, unknown> = { from: sms.from ?? s.from ?? '', to: [digitsOnly(sms.to)], body: sms.body, client_reference: sms.messageId };
    const callback = withUrlSecret(sms.callbackUrl, s.dlr_secret);
    if (callback) {
      body.delivery_report = 'per_recipient_final';
      body.callback_url = callback;
    } else {
      body.delivery_report = 'none';
    }
    const base = (s.api_url ?? `https://${s.region ?? 'us'}.sms.api.sinch.com`).replace(/\/+$/, '');
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${base}/xms/v1/${encodeURIComponent(s.service_plan_id!)}/batches`,
      headers: { authorization: `Bearer ${s.api_token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status === 201 || answer.status === 200) {
      const id = field(answer.json, 'id');
      return { providerMessageId: typeof id === 'string' ? id : null };
    }
    const code = field(answer.json, 'code');
    throw statusError(typeof code === 'string' ? `sinch_${code}` : null, answer.status, String(field(answer.json, 'text') ?? answer.text));
  }
}

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  // Voice call events (they all name their `event`) are signed with the Voice application's key.
  if (typeof field(request.fields, 'event') === 'string') return callEventReceipt(definition.settings, request);
  // Plain Sinch SMS callbacks are unsigned; the callback URL carries a per-provider secret.
  if (!urlSecretMatches(request, definition.settings.dlr_secret)) return { accepted: false, reason: 'bad or missing secret' };
  const f = request.fields;
  if (field(f, 'type') !== 'recipient_delivery_report_sms') return { accepted: false, reason: 'not an SMS recipient delivery report' };
  const batch = field(f, 'batch_id');
  const code = field(f, 'code');
  const errorCode = typeof code === 'number' && code !== 0 ? `sinch_${code}` : null;
  const providerMessageId = typeof batch === 'string' ? batch : null;
  switch (field(f, 'status')) {
    case 'Delivered':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId };
    case 'Failed':
    case 'Expired':
      return { accepted: true, status: 'undelivered', errorCode, providerMessageId };
    case 'Rejected':
    case 'Aborted':
    case 'Cancelled':
      return { accepted: true, status: 'failed', errorCode, providerMessageId };
    default:
      // Queued, Dispatched, Unknown
      return { accepted: true, status: null, errorCode: null, providerMessageId };
  }
}

export const sinchProvider: ProviderModule = {
  type: 'sinch',
  channels: ['sms', 'call'],
  fields: [
    { key: 'service_plan_id', required: true, secret: false, description: 'Service plan id' },
    { key: 'api_token', required: true, secret: true, description: 'API token' },
    { key: 'region', required: false, secret: false, description: `Data centre: ${REGIONS.join(', ')}. Default us`, validate: (v) => (REGIONS.includes(v) ? null : `must be one of ${REGIONS.join(', ')}`) },
    { key: 'from', required: false, secret: false, description: 'Default sender', example: '+14155550100' },
    { key: 'dlr_secret', required: false, secret: true, description: 'Secret put in callback_url; delivery reports without it are refused. Without it, none are asked for.' },
    { key: 'api_url', required: false, secret: false, description: 'API base URL; default from region', validate: requireHttpUrl },
    { key: 'application_key', required: false, secret: false, description: 'Voice application key: needed for calls, and checks the signature of call events' },
    { key: 'application_secret', required: false, secret: true, description: 'Voice application secret (base64, as the dashboard shows it): signs callouts and verifies call events', validate: (v) => (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0 ? null : 'must be the base64 secret the dashboard shows') },
    { key: 'call_from', required: false, secret: false, description: 'Caller id (cli) of calls, a number of your Sinch account (E.164). Default: from, when that is a number; else Sinch\'s', example: '+14155550100', validate: (v) => (E164_PATTERN.test(v) ? null : 'must be an E.164 number') },
    { key: 'voice_api_url', required: false, secret: false, description: `Voice API base URL. Default ${SINCH_VOICE_URL} (regional: https://calling-euc1.api.sinch.com, …)`, validate: requireHttpUrl },
  ],
  create: (definition, context) => new SinchProvider(definition, context),
  receipt,
};
