import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import { requireLive } from '../../../core/scope.js';
import { accountSidFor } from '../../../core/tenancy.service.js';
import type { Container } from '../../../container.js';
import { SmsRouter } from '../../../sms/sms-router.js';
import { routingToJson } from '../../../sms/sms-routing.js';
import type { SmsRouting } from '../../../sms/sms-routing.js';
import { auditChange } from '../../plugins/audit.js';
import { sidOf } from './sids.js';
import { tenantFor } from './twilio-auth.js';
import { PageOf, PageQuery, twilioErrors } from './twilio-schemas.js';
import { baseUrl, twilioPage, twilioTime } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];
const consumes = ['application/x-www-form-urlencoded'];
const Params = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }) });
const CountryParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }), Country: Type.String({ maxLength: 8, description: 'ISO 3166-1 alpha-2, or "all"' }) });
const MessagingServiceSid = Type.String({ pattern: '^MG[0-9a-fA-F]{32}$', description: 'Twilio Messaging Service SID', examples: ['MG0123456789abcdef0123456789abcdef'] });

export const TwilioMessagingConfiguration = Type.Object({
  account_sid: Type.String({ description: 'Account SID' }),
  service_sid: Type.String({ description: 'Service SID' }),
  country: Type.String({ description: 'ISO 3166-1 alpha-2', examples: ['GB'] }),
  messaging_service_sid: Type.String({ description: 'The Messaging Service SMS to that country go through' }),
  date_created: Type.String({ format: 'date-time', description: 'When the service\'s SMS routing last changed (otpgate keeps no time per country)' }),
  date_updated: Type.String({ format: 'date-time', description: 'Same as date_created' }),
  url: Type.String({ description: 'Absolute URL of this resource' }),
}, { description: 'Which Twilio Messaging Service sends the SMS of one country: the country_messaging_services entry of the service\'s SMS routing' });

/**
 * Twilio's "all" country is the default for every other country; otpgate routes per country or
 * by default, and a Twilio provider's default is its own `messaging_service_sid` setting.
 */
function countryOf(value: string): string {
  const country = value.toUpperCase();
  if (country === 'ALL') throw new AppError('not_supported', '`Country` "all": set the default Messaging Service as the Twilio provider\'s messaging_service_sid (PUT /v1/services/{id}/sms).');
  if (!/^[A-Z]{2}$/.test(country)) throw new AppError('invalid_request', 'Invalid parameter `Country`: an ISO 3166-1 alpha-2 code such as GB.');
  return country;
}

/**
 * `/v2/Services/{ServiceSid}/MessagingConfigurations`: per-country Twilio Messaging Services in
 * the service's SMS routing (`country_messaging_services`, also on PUT /v1/services/{id}/sms).
 * A service that used the instance's routing gets its own, starting from the instance's routes
 * and sender ids (providers stay the instance's, by name). Configuration: live credentials
 * change it, test credentials read it.
 */
export const twilioMessagingConfigurationsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const resource = (base: string, serviceId: string, mode: 'live' | 'test', country: string, sid: string, changedAt: number) => {
    const serviceSid = sidOf('VA', serviceId);
    return {
      account_sid: accountSidFor(serviceId, mode), service_sid: serviceSid, country, messaging_service_sid: sid,
      date_created: twilioTime(changedAt), date_updated: twilioTime(changedAt),
      url: `${base}/Services/${serviceSid}/MessagingConfigurations/${country}`,
    };
  };
  const routingOf = async (serviceId: string) => {
    const own = await c.router.serviceRouting(serviceId);
    return { own, routing: own ?? c.router.instanceRouting };
  };
  /** Writes the routing with one country changed; answers when it was written. */
  const write = async (serviceId: string, routing: SmsRouting, own: SmsRouting | null, change: (map: Record<string, string>) => void) => {
    // The view masks credentials; putting it back keeps their stored values (same providers, same hosts).
    const input = own ? SmsRouter.view(own) : { ...routingToJson(routing), providers: [] };
    const map = { ...input.country_messaging_services };
    change(map);
    const updated = await c.router.putServiceRouting(serviceId, { ...input, country_messaging_services: map });
    return { before: own ? SmsRouter.view(own) : null, after: SmsRouter.view(updated), at: c.clock.now() };
  };

  app.post('/Services/:ServiceSid/MessagingConfigurations', {
    schema: {
      tags, security, consumes, summary: 'Create a messaging configuration (Twilio)', params: Params,
      body: Type.Object({ Country: Type.String({ minLength: 2, maxLength: 8, description: 'ISO 3166-1 alpha-2', examples: ['GB'] }), MessagingServiceSid }, { additionalProperties: true }),
      response: { 201: TwilioMessagingConfiguration, ...twilioErrors(400, 401, 403, 404) },
    },
    config: { audit: 'sms_settings.updated' },
  }, async (request, reply) => {
    const tenant = requireLive(await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid));
    const country = countryOf(request.body.Country);
    const { own, routing } = await routingOf(tenant.serviceId);
    const existing = own?.countryMessagingServices[country];
    if (existing !== undefined) {
      throw new AppError('messaging_configuration_exists', `This service already sends SMS to ${country} through ${existing}; update it instead.`);
    }
    const written = await write(tenant.serviceId, routing, own, (map) => { map[country] = request.body.MessagingServiceSid; });
    auditChange(request, { before: written.before, after: written.after });
    return reply.code(201).send(resource(baseUrl(request), tenant.serviceId, tenant.mode, country, request.body.MessagingServiceSid, written.at));
  });

  app.get('/Services/:ServiceSid/MessagingConfigurations', {
    schema: {
      tags, security, summary: 'List messaging configurations (Twilio)', params: Params, querystring: Type.Object(PageQuery),
      response: { 200: PageOf('messaging_configurations', TwilioMessagingConfiguration), ...twilioErrors(400, 401, 404) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const { own } = await routingOf(tenant.serviceId);
    const size = request.query.PageSize ?? 50;
    // At most one per country (≈ 250): a page is a slice after the country in PageToken.
    const entries = Object.entries(own?.countryMessagingServices ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const after = request.query.PageToken;
    const rest = after === undefined ? entries : entries.filter(([country]) => country > after);
    const shown = rest.slice(0, size);
    const nextCursor = rest.length > size ? shown[shown.length - 1]![0] : null;
    const at = tenant.service.updatedAt;
    return twilioPage(request, 'messaging_configurations', shown.map(([country, sid]) => resource(baseUrl(request), tenant.serviceId, tenant.mode, country, sid, at)), {
      number: request.query.Page ?? 0, size, nextCursor, query: {},
    });
  });

  app.get('/Services/:ServiceSid/MessagingConfigurations/:Country', {
    schema: { tags, security, summary: 'Fetch a messaging configuration (Twilio)', params: CountryParams, response: { 200: TwilioMessagingConfiguration, ...twilioErrors(400, 401, 404) } },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const country = countryOf(request.params.Country);
    const sid = (await routingOf(tenant.serviceId)).own?.countryMessagingServices[country];
    if (sid === undefined) throw new AppError('not_found', `No messaging configuration for ${country}.`);
    return resource(baseUrl(request), tenant.serviceId, tenant.mode, country, sid, tenant.service.updatedAt);
  });

  app.post('/Services/:ServiceSid/MessagingConfigurations/:Country', {
    schema: {
      tags, security, consumes, summary: 'Update a messaging configuration (Twilio)', params: CountryParams,
      body: Type.Object({ MessagingServiceSid }, { additionalProperties: true }),
      response: { 200: TwilioMessagingConfiguration, ...twilioErrors(400, 401, 403, 404) },
    },
    config: { audit: 'sms_settings.updated' },
  }, async (request) => {
    const tenant = requireLive(await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid));
    const country = countryOf(request.params.Country);
    const { own, routing } = await routingOf(tenant.serviceId);
    if (own?.countryMessagingServices[country] === undefined) throw new AppError('not_found', `No messaging configuration for ${country}.`);
    const written = await write(tenant.serviceId, routing, own, (map) => { map[country] = request.body.MessagingServiceSid; });
    auditChange(request, { before: written.before, after: written.after });
    return resource(baseUrl(request), tenant.serviceId, tenant.mode, country, request.body.MessagingServiceSid, written.at);
  });

  app.delete('/Services/:ServiceSid/MessagingConfigurations/:Country', {
    schema: { tags, security, summary: 'Delete a messaging configuration (Twilio)', params: CountryParams, response: { 204: Type.Null({ description: 'Deleted' }), ...twilioErrors(400, 401, 403, 404) } },
    config: { audit: 'sms_settings.updated' },
  }, async (request, reply) => {
    const tenant = requireLive(await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid));
    const country = countryOf(request.params.Country);
    const { own, routing } = await routingOf(tenant.serviceId);
    if (own?.countryMessagingServices[country] === undefined) throw new AppError('not_found', `No messaging configuration for ${country}.`);
    const written = await write(tenant.serviceId, routing, own, (map) => { delete map[country]; });
    auditChange(request, { before: written.before, after: written.after });
    return reply.code(204).send(null);
  });
};
