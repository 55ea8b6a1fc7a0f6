import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { ServiceRecord } from '../../../core/model.js';
import { accountSidFor } from '../../../core/tenancy.service.js';
import type { Container } from '../../../container.js';
import { BUILT_IN_TEMPLATES } from '../../../sms/locales.js';
import { renderSms, SUPPORTED_LOCALES } from '../../../sms/templates.js';
import { idOf, sidOf } from './sids.js';
import { PageOf, PageQuery, twilioErrors } from './twilio-schemas.js';
import { twilioPage } from './twilio-views.js';

/** otpgate's built-in texts, as one Twilio template. Not an id of anything: all zeros. */
export const BUILT_IN_TEMPLATE_SID = `HJ${'0'.repeat(32)}`;

/** A service's texts (its own for the locales it set, the built-in ones for the others) are one template, named by the service. */
export const templateSidOf = (serviceId: string) => sidOf('HJ', serviceId);

/**
 * A `TemplateSid` (start) or `DefaultTemplateSid` (service) names the service's own template:
 * its texts are what every SMS of the service uses. The built-in template is the same thing
 * while the service has no texts of its own; once it has, choosing the built-in texts over them
 * is not something otpgate does (60204). Any other SID names nothing this service has (60200).
 */
export async function assertTemplateUsable(c: Pick<Container, 'templates'>, service: ServiceRecord, sid: string, param: string): Promise<void> {
  if (idOf('HJ', sid) === service.id) return;
  if (sid.toUpperCase() === BUILT_IN_TEMPLATE_SID.toUpperCase()) {
    const own = (await c.templates.list(service.id)).filter((t) => t.source === 'service');
    if (own.length === 0) return;
    throw new AppError('not_supported', `\`${param}\`: this service has texts of its own (${own.map((t) => t.locale).join(', ')}); the built-in template cannot replace them. Drop them (DELETE /v1/services/{id}/templates/{locale}) or name ${templateSidOf(service.id)}.`);
  }
  throw new AppError('invalid_request', `Invalid parameter \`${param}\`: ${sid} is not a template of this service; see /v2/Templates.`);
}

const Translation = Type.Object({
  text: Type.String({ description: 'The text, with {code} and {service}', examples: ['{code} is your {service} code. Do not share it.'] }),
  source: Type.Union([Type.Literal('service'), Type.Literal('built_in')], { description: 'The service\'s own text or otpgate\'s' }),
  status: Type.Literal('approved', { description: 'Always approved: no review step' }),
  sample: Type.String({ description: 'How it renders with the code 123456', examples: ['123456 is your Acme code. Do not share it.'] }),
});

export const TwilioTemplate = Type.Object({
  sid: Type.String({ description: 'HJ…: the built-in template is all zeros, a service\'s template carries its id', examples: [BUILT_IN_TEMPLATE_SID] }),
  account_sid: Type.String({ description: 'Account SID of the caller' }),
  friendly_name: Type.String({ description: '"otpgate built-in", or the service name', examples: ['Acme'] }),
  channels: Type.Array(Type.String(), { description: 'Always ["sms"]', examples: [['sms']] }),
  translations: Type.Object({ sms: Type.Record(Type.String(), Translation, { description: 'Locale → text' }) }, { description: 'Texts per channel and locale' }),
}, { description: 'A set of message texts' });

type Texts = Array<{ locale: string; text: string; source: 'service' | 'inherited' | 'built_in' }>;

function templateResource(accountSid: string, sid: string, name: string, texts: Texts, service?: ServiceRecord) {
  return {
    sid,
    account_sid: accountSid,
    friendly_name: name,
    channels: ['sms'],
    translations: {
      sms: Object.fromEntries(texts.map((t) => [t.locale, {
        text: t.text, source: t.source, status: 'approved' as const,
        sample: renderSms({
          template: t.text, code: '123456', serviceName: name, locale: t.locale,
          webotpDomain: service?.settings.webotp_domain ?? null, androidAppHash: service?.settings.android_app_hash ?? null,
        }).body,
      }])),
    },
  };
}

/**
 * `/v2/Templates`: the built-in texts and, for each service the credentials see, its texts. They
 * are changed through `PUT /v1/services/{id}/templates/{locale}`.
 */
export const twilioTemplatesRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/Templates', {
    schema: {
      tags: ['Twilio-compatible'], security: [{ basic: [] }], summary: 'List templates (Twilio)',
      description: 'The built-in template first, then the template of each service the credentials see. FriendlyName filters by name (case-insensitive substring).',
      querystring: Type.Object({ ...PageQuery, FriendlyName: Type.Optional(Type.String({ maxLength: 64, description: 'Only templates whose name holds this' })) }),
      response: { 200: PageOf('templates', TwilioTemplate), ...twilioErrors(400, 401) },
    },
  }, async (request) => {
    const principal = request.principal!;
    const q = request.query;
    const size = q.PageSize ?? 50;
    const accountSid = principal.tenant ? accountSidFor(principal.tenant.serviceId, principal.tenant.mode) : accountSidFor(null);
    const builtIn = templateResource(accountSid, BUILT_IN_TEMPLATE_SID, 'otpgate built-in', SUPPORTED_LOCALES.map((locale) => ({
      locale, text: BUILT_IN_TEMPLATES[locale], source: 'built_in' as const,
    })));
    let services: ServiceRecord[];
    let nextCursor: string | null = null;
    if (principal.tenant) services = [principal.tenant.service];
    else {
      const page = await c.tenancy.listServices(q.PageToken, size);
      services = page.data;
      nextCursor = page.nextCursor;
    }
    const items = [];
    // The built-in template leads the first page only.
    if (q.PageToken === undefined) items.push(builtIn);
    for (const service of services) {
      items.push(templateResource(accountSid, templateSidOf(service.id), service.settings.name, await c.templates.list(service.id), service));
    }
    const wanted = q.FriendlyName?.toLowerCase();
    const shown = wanted === undefined ? items : items.filter((t) => t.friendly_name.toLowerCase().includes(wanted));
    const { PageSize: _s, Page: _p, PageToken: _t, ...kept } = q;
    return twilioPage(request, 'templates', shown, { number: q.Page ?? 0, size, nextCursor, query: kept });
  });
};
