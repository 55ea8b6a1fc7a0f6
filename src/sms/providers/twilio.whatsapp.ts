import type { OutgoingMessage } from '../../core/ports.js';
import { SendError } from '../../core/ports.js';
import type { ProviderSettings } from '../provider-types.js';

/**
 * Twilio WhatsApp, through the same Messages API as SMS
 * (https://www.twilio.com/docs/whatsapp/api): `To` and `From` carry the `whatsapp:` prefix, and a
 * business-initiated message must be an approved template, sent as a Content API template
 * (https://www.twilio.com/docs/content/send-templates-created-with-the-content-template-builder):
 * `ContentSid` (HX…) and `ContentVariables` (a JSON object). Twilio's WhatsApp authentication
 * template (`whatsapp/authentication`, https://www.twilio.com/docs/content/whatsappauthentication)
 * has one variable, `{{1}}`, the code, which Twilio puts both in the body and in the copy-code
 * button. Since September 2024 a template no longer needs a Messaging Service
 * (https://www.twilio.com/en-us/changelog/content-templates-messaging-services-optional).
 */

type WhatsAppContent = Extract<OutgoingMessage['content'], { channel: 'whatsapp' }>;

const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

/**
 * `whatsapp_content_sid`: one Content SID (`HX…`) for every language, or one per WhatsApp
 * language code, `en=HX…;pt_BR=HX…`, with `*=HX…` for the others (a Content template has one
 * language, so a multilingual service needs one per language).
 */
export function validateContentSids(value: string): string | null {
  if (CONTENT_SID.test(value)) return null;
  const entries = value.split(';').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return 'must be a Content SID (HX…) or language=HX…;…';
  for (const entry of entries) {
    const [language, sid, ...rest] = entry.split('=').map((p) => p.trim());
    if (rest.length > 0 || !language || !/^(\*|[a-z]{2,3}(_[A-Z]{2})?)$/.test(language)) return `"${entry}": a language must be a WhatsApp language code (en, pt_BR) or *`;
    if (!sid || !CONTENT_SID.test(sid)) return `"${entry}": must be HX followed by 32 hex digits`;
  }
  return null;
}

/**
 * The Content SID for a message: the service's `template` itself when it is a Content SID, else
 * the setting's entry for the language (then for the base language, `pt` for `pt_BR`, then `*`).
 */
export function contentSidFor(content: WhatsAppContent, settings: ProviderSettings): string | null {
  if (CONTENT_SID.test(content.template)) return content.template;
  const value = settings.whatsapp_content_sid;
  if (!value) return null;
  if (CONTENT_SID.test(value)) return value;
  const map = new Map(value.split(';').map((e) => e.split('=').map((p) => p.trim()) as [string, string]));
  return map.get(content.language) ?? map.get(content.language.split('_')[0]!) ?? map.get('*') ?? null;
}

/** The Messages.json form of one WhatsApp message. */
export function whatsAppForm(message: OutgoingMessage, content: WhatsAppContent, settings: ProviderSettings): URLSearchParams {
  const contentSid = contentSidFor(content, settings);
  if (!contentSid) {
    throw new SendError('twilio_whatsapp_template_missing', `no Content SID for WhatsApp template "${content.template}" (${content.language}): set whatsapp_content_sid`, false);
  }
  const form = new URLSearchParams({ To: `whatsapp:${message.to}` });
  if (settings.whatsapp_from) form.set('From', `whatsapp:${settings.whatsapp_from}`);
  else if (settings.messaging_service_sid) form.set('MessagingServiceSid', settings.messaging_service_sid);
  else throw new SendError('twilio_whatsapp_from_missing', 'the twilio provider needs whatsapp_from (a WhatsApp sender) or messaging_service_sid to send WhatsApp', false);
  form.set('ContentSid', contentSid);
  form.set('ContentVariables', JSON.stringify({ 1: content.code }));
  if (message.callbackUrl) form.set('StatusCallback', message.callbackUrl);
  return form;
}
