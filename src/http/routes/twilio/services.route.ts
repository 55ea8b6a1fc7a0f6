import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceSettings } from '../../../core/model.js';
import type { Container } from '../../../container.js';
import { auditChange } from '../../plugins/audit.js';
import { AUDITED, serviceView } from '../../views.js';
import { requireAdminCredential, tenantFor } from './twilio-auth.js';
import { PageOf, PageQuery, ServiceCreateBody, ServiceSidParam, ServiceUpdateBody, twilioErrors } from './twilio-schemas.js';
import { baseUrl, serviceResource, twilioPage } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];

/** Twilio service parameters → otpgate settings. Parameters about other channels are ignored. */
function settingsFrom(body: { FriendlyName?: string; CodeLength?: number; CustomCodeEnabled?: boolean }): Partial<ServiceSettings> {
  return { name: body.FriendlyName, code_length: body.CodeLength, custom_code_enabled: body.CustomCodeEnabled };
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
    const created = await c.tenancy.createService({ ...settingsFrom(request.body), name: request.body.FriendlyName });
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
    const updated = await c.tenancy.updateService(tenant.serviceId, settingsFrom(request.body ?? {}));
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
