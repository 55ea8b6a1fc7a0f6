import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import { normalizeAddress } from '../../../core/destination.js';
import type { Container } from '../../../container.js';
import { authenticate } from '../../plugins/auth.js';
import { OutboxEntry, problemResponses } from '../../schemas.js';
import { outboxView } from '../../views.js';

export const outboxRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v1/outbox', {
    schema: {
      tags: ['Development'], security: [{ bearer: [] }], summary: 'Read the dev outbox',
      description:
        'What the console provider "sent", newest first: how developers and tests read codes without a phone. ' +
        'A service key sees its own service in its own mode: a test-mode key only what test-mode keys sent, a live key only live sends. ' +
        'An admin key sees live sends of all services, or of one with service_id. With a real provider the outbox holds only what ' +
        'test-mode keys sent, and only test-mode keys can read it.',
      querystring: Type.Object({
        to: Type.Optional(Type.String({ maxLength: 254, description: 'Only messages to this number (or email address)' })),
        service_id: Type.Optional(Type.String({ maxLength: 64, description: 'Admin key only: one service' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'How many, newest first' })),
      }),
      response: { 200: Type.Object({ data: Type.Array(OutboxEntry, { description: 'Newest first' }) }), ...problemResponses(400, 401, 409) },
    },
  }, async (request) => {
    const principal = await authenticate(c.tenancy, request);
    // With a real provider the outbox holds only what test-mode keys sent: those keys may read it.
    if (!c.devOutbox && principal.key.mode !== 'test') throw new AppError('outbox_unavailable', 'This server sends through a real provider; nothing is kept in the dev outbox.');
    const scope = principal.tenant ?? { serviceId: request.query.service_id ?? null, mode: 'live' as const };
    const to = request.query.to === undefined ? undefined : normalizeAddress(request.query.to);
    const entries = await c.store.listDevOutbox(scope, to, request.query.limit ?? 20);
    return { data: entries.map(outboxView) };
  });
};
