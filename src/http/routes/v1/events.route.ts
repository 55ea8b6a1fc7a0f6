import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import { requireTenant } from '../../plugins/auth.js';
import { EventListQuery, EventPage, IdParam, problemResponses } from '../../schemas.js';
import { eventView } from '../../views.js';

const tags = ['Events'];
const security = [{ bearer: [] }];

export const eventsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v1/events', {
    schema: {
      tags, security, summary: 'List events',
      description:
        'Newest first, paged with ?cursor=. To catch up (or to poll instead of receiving webhooks) pass ?after=<the last event id you ' +
        'processed>: events then come oldest first, and next_cursor is the id to pass as ?after= next time. ' +
        'An event that commits later never sorts before one you already read, so nothing is skipped. On PostgreSQL an event is ' +
        'listed once every write transaction on the database server that started before it has ended.',
      querystring: EventListQuery,
      response: { 200: EventPage, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const { cursor, after, type, limit } = request.query;
    const page = await c.events.list(tenant, { cursor, after, type, limit: limit ?? 20 });
    return { data: page.data.map(eventView), next_cursor: page.nextCursor, has_more: page.hasMore };
  });

  app.get('/v1/events/:id', {
    schema: {
      tags, security, summary: 'Fetch an event', params: IdParam,
      response: { 200: Type.Ref('Event'), ...problemResponses(401, 403, 404) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    return eventView(await c.events.get(tenant, request.params.id));
  });
};
