import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { field, httpCall, requireHttpUrl, statusError } from './http-call.js';
import { digitsOnly, urlSecretMatches, withUrlSecret } from './receipt-auth.js';

/**
 * Infobip SMS: `POST {base URL}/sms/2/text/advanced`, `Authorization: App <API key>`, JSON
 * `{"messages": [{"destinations": [{"to", "messageId"}], "from", "text", "notifyUrl",
 * "notifyContentType"}]}`. Answers `200 {"bulkId", "messages": [{"messageId", "status":
 * {"groupName", "name", ...}}]}`; errors are `{"requestError": {"serviceException":
 * {"messageId": "UNAUTHORIZED", "text": ...}}}`. Our message id is given as Infobip's, so a
 * receipt names it directly.
 */
class InfobipProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const message: Record<string, unknown> = { destinations: [{ to: digitsOnly(sms.to), messageId: sms.messageId }], text: sms.body };
    const from = sms.from ?? s.from;
    if (from) message.from = from;
    const notifyUrl = withUrlSecret(sms.callbackUrl, s.dlr_secret);
    if (notifyUrl) {
      message.notifyUrl = notifyUrl;
      message.notifyContentType = 'application/json';
    }
    const answer = await httpCall(this.context, {
      method: 'POST',
      url: `${s.base_url!.replace(/\/+$/, '')}/sms/2/text/advanced`,
      headers: { authorization: `App ${s.api_key}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ messages: [message] }),
    });
    if (answer.status === 200) {
      const first = field(answer.json, 'messages', 0);
      const group = String(field(first, 'status', 'groupName') ?? '');
      if (group === 'REJECTED') {
        throw new SendError(`infobip_${String(field(first, 'status', 'name') ?? 'REJECTED')}`, String(field(first, 'status', 'description') ?? 'rejected'), false);
      }
      const id = field(first, 'messageId');
      return { providerMessageId: typeof id === 'string' ? id : sms.messageId };
    }
    const code = field(answer.json, 'requestError', 'serviceException', 'messageId');
    throw statusError(typeof code === 'string' ? `infobip_${code}` : null, answer.status, String(field(answer.json, 'requestError', 'serviceException', 'text') ?? answer.text));
  }
}

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  // Infobip does not sign delivery reports; the notifyUrl carries a per-provider secret.
  if (!urlSecretMatches(request, definition.settings.dlr_secret)) return { accepted: false, reason: 'bad or missing secret' };
  const result = field(request.fields, 'results', 0);
  const id = field(result, 'messageId');
  const group = String(field(result, 'status', 'groupName') ?? '');
  const errorName = field(result, 'error', 'name');
  const errorCode = typeof errorName === 'string' && errorName !== 'NO_ERROR' ? `infobip_${errorName}` : null;
  const providerMessageId = typeof id === 'string' ? id : null;
  switch (group) {
    case 'DELIVERED':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId };
    case 'UNDELIVERABLE':
    case 'EXPIRED':
      return { accepted: true, status: 'undelivered', errorCode: errorCode ?? `infobip_${group}`, providerMessageId };
    case 'REJECTED':
      return { accepted: true, status: 'failed', errorCode: errorCode ?? 'infobip_REJECTED', providerMessageId };
    default:
      return { accepted: true, status: null, errorCode: null, providerMessageId };
  }
}

export const infobipProvider: ProviderModule = {
  type: 'infobip',
  channels: ['sms'],
  fields: [
    { key: 'base_url', required: true, secret: false, description: 'Your account\'s API base URL', validate: requireHttpUrl, example: 'https://xxxxx.api.infobip.com' },
    { key: 'api_key', required: true, secret: true, description: 'API key' },
    { key: 'from', required: false, secret: false, description: 'Default sender', example: 'InfoSMS' },
    { key: 'dlr_secret', required: false, secret: true, description: 'Secret put in notifyUrl; delivery reports without it are refused. Without it, none are asked for.' },
  ],
  create: (definition, context) => new InfobipProvider(definition, context),
  receipt,
};
