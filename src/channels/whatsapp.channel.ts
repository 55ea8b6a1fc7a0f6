import { renderSms } from '../sms/templates.js';
import type { ChannelModule, RenderInput, RenderedMessage } from './channel.js';

/**
 * WhatsApp's language codes where they are not the locale with `_` (Meta's "Supported
 * languages" for message templates): Portuguese is pt_PT or pt_BR, Latin-American Spanish is
 * es_MX, Filipino is fil, Chinese is zh_CN / zh_HK / zh_TW, and there is no Canadian French.
 */
const WHATSAPP_LANGUAGES: Readonly<Record<string, string>> = {
  pt: 'pt_PT',
  'es-419': 'es_MX',
  'fr-CA': 'fr',
  tl: 'fil',
  zh: 'zh_CN',
  nb: 'nb',
};

export function whatsappLanguage(locale: string, overrides: Readonly<Record<string, string>>): string {
  const own = overrides[locale];
  if (own) return own;
  const known = WHATSAPP_LANGUAGES[locale];
  if (known) return known;
  const [language, region] = locale.split('-');
  return region && /^[A-Za-z]{2}$/.test(region) ? `${language}_${region.toUpperCase()}` : language!;
}

/**
 * WhatsApp: an authentication template the business had approved (its text is Meta's, fixed per
 * language: "{code} is your verification code", with a copy-code button). The providers send its
 * name, language and the code as its parameter; the text form here is the locale's SMS text,
 * which is what the dev outbox shows.
 */
export const whatsappChannel: ChannelModule = {
  name: 'whatsapp',
  address: 'phone',
  templated: false,
  render(input: RenderInput): RenderedMessage {
    const text = renderSms({ locale: input.locale, code: input.code, serviceName: input.serviceName, doNotShareWarning: input.settings.do_not_share_warning });
    return {
      body: text.body,
      redactedBody: text.redactedBody,
      content: {
        channel: 'whatsapp',
        code: input.code,
        template: input.settings.whatsapp_template,
        language: whatsappLanguage(input.locale, input.settings.whatsapp_languages),
      },
    };
  },
};
