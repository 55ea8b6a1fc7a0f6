import { Type } from '@sinclair/typebox';
import { CHANNELS } from '../core/model.js';

/** The channel part of service settings (src/channels/channel-settings.ts): properties composed into ServiceSettingsSchema. */
const ChannelName = Type.Union(CHANNELS.map((c) => Type.Literal(c)), { description: 'A channel' });
const Prices = (channel: string) =>
  Type.Record(Type.String({ pattern: '^([A-Z]{2}|\\*)$' }), Type.Number({ minimum: 0, maximum: 100 }), { description: `Price of one ${channel} per country ("*" for the rest)`, examples: [{ '*': 0.05 }] });
const Countries = (channel: string) =>
  Type.Array(Type.String({ pattern: '^[A-Za-z]{2}$' }), { maxItems: 250, description: `Countries ${channel} may reach (within allowed_countries)`, examples: [['US', 'GB']] });
const Cap = (channel: string) => Type.Integer({ minimum: 1, maximum: 100_000_000, description: `${channel} per UTC day`, examples: [1000] });

export const ChannelSettingsProperties = {
  channels: Type.Array(ChannelName, { minItems: 1, uniqueItems: true, description: 'Channels a start or resend may name, and fallback may use. Default ["sms"]', examples: [['sms', 'whatsapp', 'call']] }),
  fallback: Type.Array(ChannelName, {
    uniqueItems: true,
    description: 'Order in which channels take over when one does not reach the person (every provider failed, an undelivered receipt, or no approval within fallback_after_seconds); channels of another address kind are skipped. Each must be in channels. Default [] (none)',
    examples: [['sms', 'whatsapp', 'call']],
  }),
  fallback_after_seconds: Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 10, maximum: 3600, description: 'Seconds after a send with no approval before the next channel of fallback is used; null: only on failure. Default null', examples: [60] }),
  whatsapp_template: Type.String({ pattern: '^([a-z0-9_]{1,512}|HX[0-9a-fA-F]{32})$', description: 'Name of your approved WhatsApp authentication template (or, for Twilio, its Content SID HX…). Default "otpgate_verification"', examples: ['otpgate_verification'] }),
  whatsapp_languages: Type.Record(Type.String({ maxLength: 35 }), Type.String({ pattern: '^[a-z]{2,3}(_[A-Z]{2})?$' }), { description: 'Locale → WhatsApp template language code where it differs from the derived one (pt-BR → pt_BR). Default {}', examples: [{ es: 'es_MX' }] }),
  call_voice: Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'Text-to-speech voice name for calls (the vendor\'s, e.g. Twilio "Polly.Joanna"); null: the vendor default. Default null', examples: [null] }),
  email_code_in_subject: Type.Boolean({ description: 'Put the code in the email subject too (subjects show on lock screens). Default false', examples: [false] }),
  email_block_disposable: Type.Boolean({ description: 'Refuse addresses of disposable email domains (403 email_not_allowed). Default true', examples: [true] }),
  sends_per_email_domain: Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Emails per domain per window', examples: [300] }),
    window_seconds: Type.Integer({ minimum: 1, maximum: 604_800, description: 'Window length in seconds', examples: [600] }),
  }, { additionalProperties: false, description: 'Emails per recipient domain per window (the email counterpart of sends_per_prefix). Default 300 per 600 s', examples: [{ limit: 300, window_seconds: 600 }] }),
  email_domain_limits: Type.Record(Type.String({ maxLength: 253 }), Type.Integer({ minimum: 1, maximum: 10_000_000 }), { description: 'Domain → its own sends_per_email_domain limit. Default {}', examples: [{ 'gmail.com': 5000 }] }),
  channel_prices: Type.Object({ whatsapp: Type.Optional(Prices('WhatsApp message')), call: Type.Optional(Prices('call')), email: Type.Optional(Prices('email')) }, {
    additionalProperties: false,
    description: 'Price of one message per channel and country ("*" for the rest), counted against daily_spend_cap like sms_prices. Default {}',
    examples: [{ call: { '*': 0.05 }, whatsapp: { '*': 0.01 } }],
  }),
  channel_countries: Type.Object({ sms: Type.Optional(Countries('SMS')), whatsapp: Type.Optional(Countries('WhatsApp')), call: Type.Optional(Countries('calls')) }, {
    additionalProperties: false,
    description: 'Countries a phone channel may reach, narrowing allowed_countries (calls are the costliest target of toll fraud). Default {}',
    examples: [{ call: ['US', 'CA', 'GB'] }],
  }),
  channel_daily_caps: Type.Object({
    sms: Type.Optional(Cap('SMS')),
    whatsapp: Type.Optional(Cap('WhatsApp messages')),
    call: Type.Optional(Cap('Calls')),
    email: Type.Optional(Cap('Emails')),
  }, { additionalProperties: false, description: 'Messages per UTC day per channel, within daily_message_cap (429 quota_exceeded beyond). Default {"call": 1000}', examples: [{ call: 1000 }] }),
};
