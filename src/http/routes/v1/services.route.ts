import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { Container } from '../../../container.js';
import { adminOnly, authenticate } from '../../plugins/auth.js';
import { idempotent } from '../../plugins/idempotency.js';
import { auditChange } from '../../plugins/audit.js';
import { IdParam, IssuedKey, ListQuery, PageOf, ServiceCreateBody, ServicePatchBody, problemResponses } from '../../schemas.js';
import { ADMIN, AUDITED, apiKeyView, serviceView } from '../../views.js';

const tags = ['Services'];
const security = [{ bearer: [] }];

/** Services (tenants) and their keys. Admin key, except that a service key may read its own service. */
export const servicesRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const admin = adminOnly(c.tenancy);

  app.post('/v1/services', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Create a service', description: 'A service is a tenant: its own keys, settings and data. Accepts Idempotency-Key.',
      body: ServiceCreateBody,
      response: { 201: Type.Ref('Service'), ...problemResponses(400, 401, 403, 409, 422) },
    },
    config: { audit: 'service.created' },
  }, async (request, reply) =>
    idempotent(request, reply, c, { serviceId: null, mode: 'live' }, 'services', async () => {
      const created = await c.tenancy.createService(request.body);
      auditChange(request, { serviceId: created.id, targetId: created.id, after: serviceView(created, AUDITED) });
      return { statusCode: 201, body: serviceView(created, ADMIN) };
    }),
  );

  app.get('/v1/services', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'List services', querystring: ListQuery,
      response: { 200: PageOf(Type.Ref('Service')), ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const page = await c.tenancy.listServices(request.query.cursor, request.query.limit ?? 20);
    return { data: page.data.map((s) => serviceView(s, ADMIN)), next_cursor: page.nextCursor };
  });

  app.get('/v1/services/:id', {
    schema: {
      tags, security, summary: 'Fetch a service', description: 'Admin key, or a key of this service.', params: IdParam,
      response: { 200: Type.Ref('Service'), ...problemResponses(401, 404) },
    },
  }, async (request) => {
    const principal = await authenticate(c.tenancy, request);
    // A service key sees only its own service; any other id looks like it does not exist.
    if (principal.key.kind !== 'admin' && principal.tenant?.serviceId !== request.params.id) {
      throw new AppError('not_found', `No service ${request.params.id}.`);
    }
    return serviceView(await c.tenancy.getService(request.params.id), { revealTestCodes: principal.key.kind === 'admin' });
  });

  app.patch('/v1/services/:id', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Update a service', description: 'Only the fields given change.', params: IdParam, body: ServicePatchBody,
      response: { 200: Type.Ref('Service'), ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'service.updated' },
  }, async (request) => {
    const before = await c.tenancy.getService(request.params.id);
    const after = await c.tenancy.updateService(request.params.id, request.body);
    auditChange(request, { before: serviceView(before, AUDITED), after: serviceView(after, AUDITED) });
    return serviceView(after, ADMIN);
  });

  app.delete('/v1/services/:id', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Delete a service', description: 'Deletes its keys, verifications and messages too.', params: IdParam,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(401, 403, 404) },
    },
    config: { audit: 'service.deleted' },
  }, async (request, reply) => {
    const before = serviceView(await c.tenancy.getService(request.params.id), AUDITED);
    await c.tenancy.deleteService(request.params.id);
    auditChange(request, { before });
    return reply.code(204).send(null);
  });

  app.post('/v1/services/:id/keys', {
    onRequest: admin,
    // The body is optional: no body means no name.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags, security, summary: 'Create a service key',
      description: 'The key is in this answer only; it is stored hashed. (No Idempotency-Key: the answer holds a secret that is never stored.)',
      params: IdParam,
      body: Type.Object(
        {
          name: Type.Optional(Type.String({ maxLength: 64, examples: ['backend-prod'] })),
          mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')], {
            description: 'test: a sandbox key (og_test_…); its SMS go to the dev outbox only, never to a real provider, and use no budget. Default live',
            examples: ['test'],
          })),
        },
        { additionalProperties: false },
      ),
      response: { 201: IssuedKey, ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'service_key.created' },
  }, async (request, reply) => {
    const issued = await c.tenancy.createKey('service', request.params.id, { name: request.body.name ?? null, mode: request.body.mode ?? 'live' });
    const view = apiKeyView(issued.record);
    auditChange(request, { targetId: view.id, after: view });
    return reply.code(201).send({ id: view.id, key: issued.secret, service_id: request.params.id, name: view.name, prefix: view.prefix, mode: view.mode, created_at: view.created_at });
  });

  app.get('/v1/services/:id/keys', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'List a service\'s keys', description: 'Prefixes only; keys are never shown again.', params: IdParam,
      response: { 200: Type.Object({ data: Type.Array(Type.Ref('ApiKey'), { description: 'Keys of the service, revoked ones included' }) }), ...problemResponses(401, 403, 404) },
    },
  }, async (request) => ({ data: (await c.tenancy.listKeys(request.params.id)).map(apiKeyView) }));

  app.delete('/v1/services/:id/keys/:keyId', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Revoke a key',
      params: Type.Object({ id: Type.String({ maxLength: 64 }), keyId: Type.String({ maxLength: 64 }) }),
      response: { 204: Type.Null({ description: 'Revoked' }), ...problemResponses(401, 403, 404) },
    },
    config: { audit: 'service_key.revoked' },
  }, async (request, reply) => {
    const revoked = await c.tenancy.revokeKey(request.params.id, request.params.keyId);
    // Which key it was (mode, scheme, prefix, name) stays in the log after the creation's record is purged.
    auditChange(request, { serviceId: revoked.serviceId, before: apiKeyView({ ...revoked, revokedAt: null }), after: apiKeyView(revoked) });
    return reply.code(204).send(null);
  });
};
