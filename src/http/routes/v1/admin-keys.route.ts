import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AUDIT_ACTIONS } from '../../../core/audit.js';
import type { Container } from '../../../container.js';
import { adminOnly } from '../../plugins/auth.js';
import { auditChange } from '../../plugins/audit.js';
import { IdParam, IssuedAdminKey, ListQuery, PageOf, AuditRecordSchema, problemResponses } from '../../schemas.js';
import { apiKeyView, auditView } from '../../views.js';

const tags = ['Administration'];
const security = [{ bearer: [] }];

/** Admin keys (issue, list, revoke) and the audit log of configuration changes: admin key only (rule T7). */
export const adminKeysRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const admin = adminOnly(c.tenancy);

  app.post('/v1/admin-keys', {
    onRequest: admin,
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags, security, summary: 'Create an admin key',
      description: 'The key is in this answer only; it is stored hashed. (No Idempotency-Key: the answer holds a secret that is never stored.)',
      body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 64, description: 'A label: who or what holds it', examples: ['ops-alice'] })) }, { additionalProperties: false }),
      response: { 201: IssuedAdminKey, ...problemResponses(400, 401, 403) },
    },
    config: { audit: 'admin_key.created' },
  }, async (request, reply) => {
    const issued = await c.tenancy.createKey('admin', null, { name: request.body.name ?? null });
    const view = apiKeyView(issued.record);
    auditChange(request, { serviceId: null, targetId: view.id, after: view });
    return reply.code(201).send({ id: view.id, key: issued.secret, name: view.name, prefix: view.prefix, created_at: view.created_at });
  });

  app.get('/v1/admin-keys', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'List admin keys', description: 'Prefixes only; keys are never shown again. Revoked ones are listed with revoked_at.',
      response: { 200: Type.Object({ data: Type.Array(Type.Ref('ApiKey'), { description: 'Every admin key, oldest first' }) }), ...problemResponses(401, 403) },
    },
  }, async () => ({ data: (await c.tenancy.listAdminKeys()).map(apiKeyView) }));

  app.delete('/v1/admin-keys/:id', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Revoke an admin key',
      description:
        'It stops working at once on this instance and within 5 seconds on others. The last active admin key cannot be revoked (409 last_admin_key). ' +
        'The key OTPGATE_ADMIN_KEY holds may be revoked too; it then stays revoked until the variable holds another key.',
      params: IdParam,
      response: { 204: Type.Null({ description: 'Revoked' }), ...problemResponses(401, 403, 404, 409) },
    },
    config: { audit: 'admin_key.revoked' },
  }, async (request, reply) => {
    const revoked = await c.tenancy.revokeAdminKey(request.params.id);
    auditChange(request, { serviceId: null, before: apiKeyView({ ...revoked, revokedAt: null }), after: apiKeyView(revoked) });
    return reply.code(204).send(null);
  });

  app.get('/v1/audit-log', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Read the audit log',
      description: 'Changes to services, keys, credentials, webhooks, SMS settings, templates, prefix blocks and rate limits: who, what, when, before and after. Newest first; kept for OTPGATE_RETENTION_DAYS.',
      querystring: Type.Composite([
        ListQuery,
        Type.Object({
          service_id: Type.Optional(Type.String({ maxLength: 64, description: 'Only changes of this service' })),
          action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)), { description: 'Only this action', examples: ['service.updated'] })),
        }),
      ]),
      response: { 200: PageOf(AuditRecordSchema), ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { cursor, limit, service_id: serviceId, action } = request.query;
    const page = await c.audit.list({ serviceId, action }, cursor, limit ?? 20);
    return { data: page.data.map(auditView), next_cursor: page.nextCursor };
  });
};
