import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import { requireTenant } from '../../plugins/auth.js';
import { auditChange } from '../../plugins/audit.js';
import {
  IdParam,
  IssuedWebhookEndpoint,
  ListQuery,
  PageOf,
  RedeliverBody,
  RedeliveryQueued,
  RotateBody,
  WebhookAttempt,
  WebhookCreateBody,
  WebhookPatchBody,
  problemResponses,
} from '../../schemas.js';
import { webhookAttemptView, webhookEndpointView } from '../../views.js';

const tags = ['Webhooks'];
const security = [{ bearer: [] }];

/** Webhook endpoints of the key's service. Another service's endpoints answer 404 (rule H3). */
export const webhooksRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const view = (endpoint: Parameters<typeof webhookEndpointView>[0]) => webhookEndpointView(endpoint, c.clock.now());

  app.post('/v1/webhooks', {
    schema: {
      tags, security, summary: 'Register a webhook endpoint',
      description:
        'Events of this service are POSTed to the URL, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). ' +
        'The answer holds the signing secret (whsec_…) once; it is stored sealed. (No Idempotency-Key: the answer holds a secret that is not stored in clear.)',
      body: WebhookCreateBody,
      response: { 201: IssuedWebhookEndpoint, ...problemResponses(400, 401, 403) },
    },
    config: { audit: 'webhook_endpoint.created' },
  }, async (request, reply) => {
    const tenant = await requireTenant(c.tenancy, request);
    const { url, description, event_types, enabled } = request.body;
    const issued = await c.webhooks.create(tenant, { url, description, eventTypes: event_types, enabled });
    auditChange(request, { targetId: issued.endpoint.id, after: view(issued.endpoint) });
    return reply.code(201).send({ ...view(issued.endpoint), secret: issued.secret });
  });

  app.get('/v1/webhooks', {
    schema: {
      tags, security, summary: 'List webhook endpoints',
      response: { 200: Type.Object({ data: Type.Array(Type.Ref('WebhookEndpoint'), { description: 'Endpoints of the service, oldest first' }) }), ...problemResponses(401, 403) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    return { data: (await c.webhooks.list(tenant)).map(view) };
  });

  app.get('/v1/webhooks/:id', {
    schema: {
      tags, security, summary: 'Fetch a webhook endpoint', params: IdParam,
      response: { 200: Type.Ref('WebhookEndpoint'), ...problemResponses(401, 403, 404) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    return view(await c.webhooks.get(tenant, request.params.id));
  });

  app.patch('/v1/webhooks/:id', {
    schema: {
      tags, security, summary: 'Update a webhook endpoint',
      description: 'Only the fields given change. Disabling fails its pending deliveries; enabling clears disabled_reason.',
      params: IdParam, body: WebhookPatchBody,
      response: { 200: Type.Ref('WebhookEndpoint'), ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'webhook_endpoint.updated' },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const { url, description, event_types, enabled } = request.body;
    const before = view(await c.webhooks.get(tenant, request.params.id));
    const after = view(await c.webhooks.update(tenant, request.params.id, { url, description, eventTypes: event_types, enabled }));
    auditChange(request, { before, after });
    return after;
  });

  app.delete('/v1/webhooks/:id', {
    schema: {
      tags, security, summary: 'Delete a webhook endpoint', description: 'Its pending deliveries and its log go with it.', params: IdParam,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(401, 403, 404) },
    },
    config: { audit: 'webhook_endpoint.deleted' },
  }, async (request, reply) => {
    const tenant = await requireTenant(c.tenancy, request);
    const before = view(await c.webhooks.get(tenant, request.params.id));
    await c.webhooks.delete(tenant, request.params.id);
    auditChange(request, { before });
    return reply.code(204).send(null);
  });

  app.post('/v1/webhooks/:id/rotate-secret', {
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags, security, summary: 'Rotate the signing secret',
      description:
        'A new secret (in this answer only) signs from now on. The previous one keeps signing next to it for overlap_seconds ' +
        '(default a day): each delivery then carries two signatures, and a receiver that knows either secret accepts it.',
      params: IdParam, body: RotateBody,
      response: { 200: IssuedWebhookEndpoint, ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'webhook_endpoint.secret_rotated' },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const rotated = await c.webhooks.rotateSecret(tenant, request.params.id, request.body.overlap_seconds);
    return { ...view(rotated.endpoint), secret: rotated.secret };
  });

  app.get('/v1/webhooks/:id/attempts', {
    schema: {
      tags, security, summary: 'Delivery log of an endpoint',
      description: 'Every HTTP attempt, newest first: status code, latency and error.',
      params: IdParam, querystring: ListQuery,
      response: { 200: PageOf(WebhookAttempt), ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const page = await c.webhooks.attempts(tenant, request.params.id, request.query.cursor, request.query.limit ?? 20);
    return { data: page.data.map(webhookAttemptView), next_cursor: page.nextCursor };
  });

  app.post('/v1/webhooks/:id/redeliver', {
    schema: {
      tags, security, summary: 'Send an event to this endpoint again',
      description: 'Queues the event now, with the same webhook-id as before (receivers deduplicate on it) and a fresh retry schedule.',
      params: IdParam, body: RedeliverBody,
      response: { 202: RedeliveryQueued, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const tenant = await requireTenant(c.tenancy, request);
    const delivery = await c.webhooks.redeliver(tenant, request.params.id, request.body.event_id);
    return reply.code(202).send({ delivery_id: delivery.id, event_id: delivery.eventId, endpoint_id: delivery.endpointId, status: 'pending' as const });
  });
};
