import { phrasesFor } from '../sms/phrases.js';
import { cleanName, fill } from './channel.js';
import type { ChannelModule, RenderInput, RenderedMessage } from './channel.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * Email: a subject without the code (subjects show on lock screens and in previews, so the code
 * is there only when the service asks: `email_code_in_subject`), a plain-text part and an HTML
 * part in the person's language and direction. The service name is escaped in the HTML and
 * cleaned of control and bidi characters everywhere.
 */
export const emailChannel: ChannelModule = {
  name: 'email',
  address: 'email',
  templated: false,
  render(input: RenderInput): RenderedMessage {
    const p = phrasesFor(input.locale);
    const service = cleanName(input.serviceName);
    const minutes = String(Math.max(1, Math.ceil(input.settings.ttl_seconds / 60)));
    const compose = (code: string) => {
      const values = { service, code, minutes };
      const subject = fill(input.settings.email_code_in_subject ? p.emailSubjectWithCode : p.emailSubject, values);
      const lines = [fill(p.emailIntro, values), '', code, '', fill(p.emailExpiry, values), fill(p.emailDoNotShare, values), '', fill(p.emailIgnore, values)];
      return { subject, text: `${lines.join('\n')}\n` };
    };
    const { subject, text } = compose(input.code);
    const masked = compose('*'.repeat(input.code.length));
    const e = (key: keyof typeof p) => escapeHtml(fill(p[key], { service, code: input.code, minutes }));
    const html = `<!doctype html>
<html lang="${escapeHtml(input.locale)}" dir="${p.direction}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1a1a1a; line-height: 1.5;">
<p>${e('emailIntro')}</p>
<p style="font-size: 28px; font-weight: 700; letter-spacing: 6px; font-family: ui-monospace, Menlo, Consolas, monospace;" dir="ltr">${escapeHtml(input.code)}</p>
<p>${e('emailExpiry')}<br>${e('emailDoNotShare')}</p>
<p style="color: #555;">${e('emailIgnore')}</p>
</body>
</html>
`;
    return {
      body: `${subject}\n\n${text}`,
      redactedBody: `${masked.subject}\n\n${masked.text}`,
      content: { channel: 'email', subject, text, html, fromName: service || null },
    };
  },
};
