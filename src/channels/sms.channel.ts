import { renderSms } from '../sms/templates.js';
import type { ChannelModule, RenderInput, RenderedMessage } from './channel.js';

/**
 * SMS: the service's template for the locale (or the built-in text), with the WebOTP line and
 * the Android app hash (src/sms/templates.ts). A stored template that stopped rendering (it was
 * checked when saved) falls back to the built-in text rather than block the code.
 */
export const smsChannel: ChannelModule = {
  name: 'sms',
  address: 'phone',
  templated: true,
  render(input: RenderInput): RenderedMessage {
    const base = {
      locale: input.locale,
      code: input.code,
      serviceName: input.serviceName,
      webotpDomain: input.settings.webotp_domain,
      androidAppHash: input.appHash,
      doNotShareWarning: input.settings.do_not_share_warning,
    };
    let rendered;
    try {
      rendered = renderSms({ ...base, template: input.template });
    } catch {
      rendered = renderSms(base);
    }
    return { body: rendered.body, redactedBody: rendered.redactedBody, content: { channel: 'sms' } };
  },
};
