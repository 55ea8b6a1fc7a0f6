import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { urlSecretMatches, withUrlSecret } from './receipt-auth.js';

/**
 * Any HTTP SMS API: a URL, headers and a JSON body template. Placeholders `{{to}}`, `{{body}}`,
 * `{{from}}`, `{{message_id}}`, `{{callback_url}}` are substituted inside the parsed template's
 * string values, never spliced into JSON text, so a message cannot break out of its field.
 */
const PLACEHOLDER = /\{\{\s*(to|body|from|message_id|callback_url|country)\s*\}\}/g;

function parseJsonObject(value: string): Record<string, unknown> | null {
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function fill(template: unknown, values: Record<string, string>): unknown {
  if (typeof template === 'string') return template.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
  if (Array.isArray(template)) return template.map((item) => fill(item, values));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, values)]));
  }
  return template;
}

class GenericHttpProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const values = { to: sms.to, body: sms.body, from: sms.from ?? '', message_id: sms.messageId, callback_url: withUrlSecret(sms.callbackUrl, s.dlr_secret) ?? '', country: sms.country ?? '' };
    const headers = Object.fromEntries(Object.entries(parseJsonObject(s.headers ?? '{}') ?? {}).map(([k, v]) => [k, String(v)]));
    const body = JSON.stringify(fill(parseJsonObject(s.body_template ?? '{}'), values));
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: s.url!,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
    });
    if (answer.status >= 200 && answer.status < 300) {
      const id = s.message_id_path ? field(answer.json, ...s.message_id_path.split('.')) : undefined;
      return { providerMessageId: typeof id === 'string' || typeof id === 'number' ? String(id) : null };
    }
    const code = s.error_code_path ? field(answer.json, ...s.error_code_path.split('.')) : undefined;
    throw statusError(typeof code === 'string' || typeof code === 'number' ? code : null, answer.status, answer.text);
  }
}

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  if (!urlSecretMatches(request, definition.settings.dlr_secret)) return { accepted: false, reason: 'bad or missing secret' };
  const status = request.fields.status;
  if (status !== 'delivered' && status !== 'undelivered' && status !== 'failed' && status !== 'sent') {
    return { accepted: false, reason: 'status must be sent, delivered, undelivered or failed' };
  }
  const errorCode = request.fields.error_code;
  return { accepted: true, status, errorCode: typeof errorCode === 'string' ? errorCode.slice(0, 64) : null, providerMessageId: null };
}

const jsonObject = (value: string) => (parseJsonObject(value) ? null : 'must be a JSON object');

export const genericHttpProvider: ProviderModule = {
  type: 'http',
  channels: ['sms'],
  fields: [
    { key: 'url', required: true, secret: false, description: 'Where to POST the JSON body', validate: requireHttpUrl, example: 'https://sms.example.com/api/send' },
    { key: 'headers', required: false, secret: true, description: 'JSON object of extra headers (often the credentials)', validate: jsonObject, example: '{"Authorization":"Bearer …"}' },
    { key: 'body_template', required: true, secret: false, description: 'JSON object; {{to}} {{body}} {{from}} {{message_id}} {{callback_url}} {{country}} are filled in', validate: jsonObject, example: '{"to":"{{to}}","text":"{{body}}"}' },
    { key: 'message_id_path', required: false, secret: false, description: 'Dot path of the vendor message id in the answer', example: 'data.id' },
    { key: 'error_code_path', required: false, secret: false, description: 'Dot path of the vendor error code in an error answer', example: 'error.code' },
    { key: 'dlr_secret', required: false, secret: true, description: 'Secret added to {{callback_url}}; receipts without it are refused' },
  ],
  create: (definition, context) => new GenericHttpProvider(definition, context),
  receipt,
};
