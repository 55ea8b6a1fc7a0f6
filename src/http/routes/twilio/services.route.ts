import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { ServiceSettings } from '../../../core/model.js';
import type { Container } from '../../../container.js';
import { auditChange } from '../../plugins/audit.js';
import { AUDITED, serviceView } from '../../views.js';
import { assertTemplateUsable, BUILT_IN_TEMPLATE_SID } from './templates.route.js';
import { requireAdminCredential, tenantFor } from './twilio-auth.js';
import { refuseUnsupportedServiceParams } from './twilio-service-params.js';
import { PageOf, PageQuery, ServiceCreateBody, ServiceSidParam, ServiceUpdateBody, twilioErrors } from './twilio-schemas.js';
import { baseUrl, serviceResource, twilioPage } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];

type ServiceParams = { FriendlyName?: string; CodeLength?: number; CustomCodeEnabled?: boolean; DefaultTemplateSid?: string; DoNotShareWarningEnabled?: boolean; TtsName?: string };

/**
 * Twilio service parameters → otpgate settings. The parameters no setting stands behind answer
 * 60204 unless they ask for what otpgate does (twilio-service-params.ts); none is ignored.
 */
function settingsFrom(body: ServiceParams & Record<string, unknown>): Partial<ServiceSettings> {
  refuseUnsupportedServiceParams(body);
  return {
    name: body.FriendlyName,
    code_length: body.CodeLength,
    custom_code_enabled: body.CustomCodeEnabled,
    do_not_share_warning: body.DoNotShareWarningEnabled,
    // An empty TtsName goes back to the vendor's default voice.
    call_voice: body.TtsName === undefined ? undefined : body.TtsName === '' ? null : body.TtsName,
  };
}

/**
 * `/v2/Services`: one Twilio service is one otpgate service. Service credentials see only their
 * own service; creating, changing and deleting services needs admin-level credentials, as on /v1.
 */
export const twilioServicesRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/Services', {
    schema: {
      tags, security, summary: 'Create a service (Twilio)', description: 'Admin-level credentials only.',
      consumes: ['application/x-www-form-urlencoded'],
      body: ServiceCreateBody,
      response: { 201: Type.Ref('TwilioService'), ...twilioErrors(400, 401, 403) },
    },
    config: { audit: 'service.created' },
  }, async (request, reply) => {
    requireAdminCredential(request.principal!);
    const settings = settingsFrom(request.body);
    // A new service has no texts of its own: only the built-in template can be its default.
    if (request.body.DefaultTemplateSid !== undefined && request.body.DefaultTemplateSid.toUpperCase() !== BUILT_IN_TEMPLATE_SID.toUpperCase()) {
      throw new AppError('invalid_request', `Invalid parameter \`DefaultTemplateSid\`: a new service can only start from the built-in template ${BUILT_IN_TEMPLATE_SID}.`);
    }
    const created = await c.tenancy.createService({ ...settings, name: request.body.FriendlyName });
    auditChange(request, { serviceId: created.id, targetId: created.id, after: serviceView(created, AUDITED) });
    return reply.code(201).send(serviceResource(baseUrl(request), created));
  });

  app.get('/Services', {
    schema: {
      tags, security, summary: 'List services (Twilio)', description: 'Service credentials list their own service only.',
      querystring: Type.Object(PageQuery),
      response: { 200: PageOf('services', Type.Ref('TwilioService')), ...twilioErrors(400, 401) },
    },
  }, async (request) => {
    const principal = request.principal!;
    const size = request.query.PageSize ?? 50;
    const base = baseUrl(request);
    if (principal.tenant) {
      return twilioPage(request, 'services', [serviceResource(base, principal.tenant.service, principal.tenant.mode)], { number: 0, size, nextCursor: null, query: {} });
    }
    const page = await c.tenancy.listServices(request.query.PageToken, size);
    return twilioPage(request, 'services', page.data.map((s) => serviceResource(base, s)), {
      number: request.query.Page ?? 0, size, nextCursor: page.nextCursor, query: {},
    });
  });

  app.get('/Services/:ServiceSid', {
    schema: {
      tags, security, summary: 'Fetch a service (Twilio)', params: ServiceSidParam,
      response: { 200: Type.Ref('TwilioService'), ...twilioErrors(401, 404) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    return serviceResource(baseUrl(request), tenant.service, tenant.mode);
  });

  app.post('/Services/:ServiceSid', {
    schema: {
      tags, security, summary: 'Update a service (Twilio)', description: 'Admin-level credentials only.', params: ServiceSidParam,
      consumes: ['application/x-www-form-urlencoded'],
      body: ServiceUpdateBody,
      response: { 200: Type.Ref('TwilioService'), ...twilioErrors(400, 401, 403, 404) },
    },
    config: { audit: 'service.updated' },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    requireAdminCredential(request.principal!);
    const body = request.body ?? {};
    const settings = settingsFrom(body);
    if (body.DefaultTemplateSid !== undefined) await assertTemplateUsable(c, tenant.service, body.DefaultTemplateSid, 'DefaultTemplateSid');
    const updated = await c.tenancy.updateService(tenant.serviceId, settings);
    auditChange(request, { before: serviceView(tenant.service, AUDITED), after: serviceView(updated, AUDITED) });
    return serviceResource(baseUrl(request), updated);
  });

  app.delete('/Services/:ServiceSid', {
    schema: {
      tags, security, summary: 'Delete a service (Twilio)', description: 'Admin-level credentials only. Deletes its keys and verifications.',
      params: ServiceSidParam,
      response: { 204: Type.Null({ description: 'Deleted' }), ...twilioErrors(401, 403, 404) },
    },
    config: { audit: 'service.deleted' },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    requireAdminCredential(request.principal!);
    await c.tenancy.deleteService(tenant.serviceId);
    auditChange(request, { before: serviceView(tenant.service, AUDITED) });
    return reply.code(204).send(null);
  });
};
