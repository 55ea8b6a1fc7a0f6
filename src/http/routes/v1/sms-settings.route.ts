import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import { SmsRouter } from '../../../sms/sms-router.js';
import { adminOnly } from '../../plugins/auth.js';
import { auditChange } from '../../plugins/audit.js';
import { IdParam, problemResponses } from '../../schemas.js';
import { SmsSettings, SmsSettingsBody } from '../../sms-schemas.js';

const tags = ['Services'];
const security = [{ bearer: [] }];

/** A service's own SMS providers, routes and sender ids (admin key). */
export const smsSettingsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const admin = adminOnly(c.tenancy);

  app.get('/v1/services/:id/sms', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Read a service\'s SMS settings', description: 'Its own providers and routes, or the instance\'s when it has none. Credentials are masked.',
      params: IdParam, response: { 200: SmsSettings, ...problemResponses(401, 403, 404) },
    },
  }, async (request) => {
    await c.tenancy.getService(request.params.id);
    const own = await c.router.serviceRouting(request.params.id);
    return { source: own ? 'service' as const : 'instance' as const, ...SmsRouter.view(own ?? c.router.instanceRouting) };
  });

  app.put('/v1/services/:id/sms', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Set a service\'s SMS settings',
      description: 'Replaces the service\'s providers, routes and sender ids. Routes may also name the instance\'s providers. Credentials are sealed with the server secret.',
      params: IdParam, body: SmsSettingsBody, response: { 200: SmsSettings, ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'sms_settings.updated' },
  }, async (request) => {
    await c.tenancy.getService(request.params.id);
    const before = await c.router.serviceRouting(request.params.id);
    const routing = await c.router.putServiceRouting(request.params.id, request.body);
    const after = { source: 'service' as const, ...SmsRouter.view(routing) };
    // Views only: credentials are masked in both.
    auditChange(request, { before: before ? SmsRouter.view(before) : null, after });
    return after;
  });

  app.delete('/v1/services/:id/sms', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Drop a service\'s SMS settings', description: 'The service goes back to the instance\'s providers.',
      params: IdParam, response: { 204: Type.Null({ description: 'Dropped' }), ...problemResponses(401, 403, 404) },
    },
    config: { audit: 'sms_settings.deleted' },
  }, async (request, reply) => {
    await c.tenancy.getService(request.params.id);
    const before = await c.router.serviceRouting(request.params.id);
    await c.router.deleteServiceRouting(request.params.id);
    auditChange(request, { before: before ? SmsRouter.view(before) : null });
    return reply.code(204).send(null);
  });
};
