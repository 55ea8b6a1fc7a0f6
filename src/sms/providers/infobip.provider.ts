import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { field, httpCall, requireHttpUrl } from './http-call.js';
import { digitsOnly, urlSecretMatches, withUrlSecret } from './receipt-auth.js';
import { infobipAnswer, sendInfobipCall, sendInfobipWhatsApp } from './infobip.channels.js';

/**
 * Infobip: SMS (below), WhatsApp templates and text-to-speech calls (infobip.channels.ts), all on
 * the account's base URL with `Authorization: App <API key>`, and all reporting to the same
 * receipt route in the same `{"results": [...]}` shape.
 *
 * SMS: `POST {base URL}/sms/2/text/advanced`, `Authorization: App <API key>`, JSON
 * `{"messages": [{"destinations": [{"to", "messageId"}], "from", "text", "notifyUrl",
 * "notifyContentType"}]}`. Answers `200 {"bulkId", "messages": [{"messageId", "status":
 * {"groupName", "name", ...}}]}`; errors are `{"requestError": {"serviceException":
 * {"messageId": "UNAUTHORIZED", "text": ...}}}`. Our message id is given as Infobip's, so a
 * receipt names it directly.
 */
class InfobipProvider extends ProviderBase {

  async send(message: OutgoingMessage): Promise<SendResult> {
    switch (message.content.channel) {
      case 'sms':
        return this.sendSms(message);
      case 'whatsapp':
        return sendInfobipWhatsApp(this.context, this.definition.settings, message);
      case 'call':
        return sendInfobipCall(this.context, this.definition.settings, message);
      default:
        throw new SendError('unsupported_channel', `infobip does not send ${message.content.channel}`, false);
    }
  }

  private async sendSms(sms: OutgoingMessage): Promise<SendResult> {
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
    return infobipAnswer(answer, sms.messageId);
  }
}

/**
 * SMS, WhatsApp and voice delivery reports share one shape: `{"results": [{"messageId", "to",
 * "status": {"groupName", "name"}, "error": {"name"}, ...}]}`
 * (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-outbound-messages/receive-outbound-whatsapp-delivery-reports,
 * https://www.infobip.com/docs/api/channels/voice/voice-message/receive-voice-delivery-reports).
 * For a call, `DELIVERED` means it was answered and the text played; a call not answered, busy or
 * refused by the network is `UNDELIVERABLE` (error `EC_NO_ANSWER`, `EC_USER_BUSY`, …) and maps to
 * `undelivered`, so another channel may still reach the person; `REJECTED` (by Infobip: bad
 * number, no route, balance) is `failed`.
 */
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
  channels: ['sms', 'whatsapp', 'call'],
  fields: [
    { key: 'base_url', required: true, secret: false, description: 'Your account\'s API base URL', validate: requireHttpUrl, example: 'https://xxxxx.api.infobip.com' },
    { key: 'api_key', required: true, secret: true, description: 'API key' },
    { key: 'from', required: false, secret: false, description: 'Default SMS sender', example: 'InfoSMS' },
    { key: 'whatsapp_from', required: false, secret: false, description: 'Registered WhatsApp sender number (required for WhatsApp)', example: '+441134960000' },
    { key: 'voice_from', required: false, secret: false, description: 'Number calls come from. Unset: Infobip\'s default caller id', example: '+441134960001' },
    { key: 'dlr_secret', required: false, secret: true, description: 'Secret put in notifyUrl; delivery reports without it are refused. Without it, none are asked for.' },
  ],
  create: (definition, context) => new InfobipProvider(definition, context),
  receipt,
};
