import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { Tenant } from '../../../core/model.js';
import { normalizePhone } from '../../../core/phone.js';
import { requireLive } from '../../../core/scope.js';
import type { Principal } from '../../../core/tenancy.service.js';
import type { Container } from '../../../container.js';
import { auditChange } from '../../plugins/audit.js';
import { twilioErrors } from './twilio-schemas.js';
import { baseUrl } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];
const NumberParam = Type.Object({ PhoneNumber: Type.String({ maxLength: 64, description: 'E.164 number (URL-encoded: %2B for +)' }) });

export const TwilioSafeListEntry = Type.Object({
  sid: Type.String({ description: 'GN…: derived from the service and the number (stable, not secret)' }),
  phone_number: Type.String({ description: 'E.164 number', examples: ['+14155550123'] }),
  url: Type.String({ description: 'Absolute URL of this resource' }),
}, { description: 'A number on the safe list: geo permissions, the destination-prefix limit and the SMS-pumping guard let it through' });

/**
 * Twilio's safe list is per account; otpgate's accounts are services, so a safe-listed number is
 * one on the service's `safelist` setting (the same list as PATCH /v1/services/{id}): geo
 * permissions, the prefix budget and the pumping guard skip it (rule S3, docs/abuse.md).
 */
function tenantOf(principal: Principal): Tenant {
  if (!principal.tenant) {
    throw new AppError('forbidden', 'The safe list belongs to a service: use that service\'s credentials (admin credentials name no service here).');
  }
  return principal.tenant;
}

function e164(input: string): string {
  try {
    return normalizePhone(input).e164;
  } catch {
    throw new AppError('invalid_request', 'Invalid parameter `PhoneNumber`: give an E.164 number such as +14155550123.');
  }
}

function entry(base: string, serviceId: string, number: string) {
  const sid = `GN${createHash('sha256').update(`otpgate-safelist:${serviceId}:${number}`).digest('hex').slice(0, 32)}`;
  return { sid, phone_number: number, url: `${base}/SafeList/Numbers/${encodeURIComponent(number)}` };
}

export const twilioSafeListRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/SafeList/Numbers', {
    schema: {
      tags, security, consumes: ['application/x-www-form-urlencoded'], summary: 'Add a number to the safe list (Twilio)',
      description: 'Service credentials, live only (the list is configuration). Adding a listed number answers it again.',
      body: Type.Object({ PhoneNumber: Type.String({ minLength: 1, maxLength: 64, description: 'E.164 number', examples: ['+14155550123'] }) }, { additionalProperties: true }),
      response: { 201: TwilioSafeListEntry, ...twilioErrors(400, 401, 403) },
    },
    config: { audit: 'service.updated' },
  }, async (request, reply) => {
    const tenant = requireLive(tenantOf(request.principal!));
    const number = e164(request.body.PhoneNumber);
    const service = await c.tenancy.getService(tenant.serviceId);
    if (!service.settings.safelist.includes(number)) {
      const updated = await c.tenancy.updateService(tenant.serviceId, { safelist: [...service.settings.safelist, number] });
      auditChange(request, { serviceId: tenant.serviceId, targetId: tenant.serviceId, before: { safelist: service.settings.safelist }, after: { safelist: updated.settings.safelist } });
    }
    return reply.code(201).send(entry(baseUrl(request), tenant.serviceId, number));
  });

  app.get('/SafeList/Numbers/:PhoneNumber', {
    schema: { tags, security, summary: 'Fetch a safe-listed number (Twilio)', params: NumberParam, response: { 200: TwilioSafeListEntry, ...twilioErrors(400, 401, 404) } },
  }, async (request) => {
    const tenant = tenantOf(request.principal!);
    const number = e164(request.params.PhoneNumber);
    const service = await c.tenancy.getService(tenant.serviceId);
    if (!service.settings.safelist.includes(number)) throw new AppError('not_found', `${number} is not on the safe list.`);
    return entry(baseUrl(request), tenant.serviceId, number);
  });

  app.delete('/SafeList/Numbers/:PhoneNumber', {
    schema: { tags, security, summary: 'Remove a number from the safe list (Twilio)', params: NumberParam, response: { 204: Type.Null({ description: 'Removed' }), ...twilioErrors(400, 401, 403, 404) } },
    config: { audit: 'service.updated' },
  }, async (request, reply) => {
    const tenant = requireLive(tenantOf(request.principal!));
    const number = e164(request.params.PhoneNumber);
    const service = await c.tenancy.getService(tenant.serviceId);
    if (!service.settings.safelist.includes(number)) throw new AppError('not_found', `${number} is not on the safe list.`);
    const updated = await c.tenancy.updateService(tenant.serviceId, { safelist: service.settings.safelist.filter((n) => n !== number) });
    auditChange(request, { serviceId: tenant.serviceId, targetId: tenant.serviceId, before: { safelist: service.settings.safelist }, after: { safelist: updated.settings.safelist } });
    return reply.code(204).send(null);
  });
};
