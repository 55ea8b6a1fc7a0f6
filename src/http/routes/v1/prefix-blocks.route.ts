import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { Container } from '../../../container.js';
import { adminOnly, authenticate } from '../../plugins/auth.js';
import { auditChange } from '../../plugins/audit.js';
import { tenantOf } from '../../../core/scope.js';
import { IdParam, PrefixBlockSchema, problemResponses } from '../../schemas.js';
import { prefixBlockView } from '../../views.js';

const tags = ['Services'];
const security = [{ bearer: [] }];

/** Prefixes the SMS-pumping guard blocked: listed by the admin or the service itself, lifted by the admin. */
export const prefixBlocksRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v1/services/:id/prefix-blocks', {
    schema: {
      tags, security, summary: 'List blocked prefixes',
      description:
        'Blocks the SMS-pumping guard holds now (enforced), and what it would have blocked in monitor mode. Admin key, or a key of this service. ' +
        'The guard watches live traffic only: the list is about live data, and a test-mode key sees the test world\'s, which has none.',
      params: IdParam,
      response: { 200: Type.Object({ data: Type.Array(PrefixBlockSchema, { description: 'Blocks in force (and monitor records), newest first' }) }), ...problemResponses(401, 404) },
    },
  }, async (request) => {
    const principal = await authenticate(c.tenancy, request);
    if (principal.key.kind !== 'admin' && principal.tenant?.serviceId !== request.params.id) {
      throw new AppError('not_found', `No service ${request.params.id}.`);
    }
    const tenant = principal.tenant ?? tenantOf(await c.tenancy.getService(request.params.id), 'live');
    return { data: (await c.guard.listPrefixBlocks(tenant)).map(prefixBlockView) };
  });

  app.delete('/v1/services/:id/prefix-blocks/:prefix', {
    onRequest: adminOnly(c.tenancy),
    schema: {
      tags, security, summary: 'Lift a prefix block', description: 'Sends to the prefix are allowed again at once, and its recent counts are forgotten: a new block needs fresh evidence. Admin key.',
      params: Type.Object({ id: Type.String({ maxLength: 64 }), prefix: Type.String({ pattern: '^\\+?\\d{1,15}$', description: 'The prefix, with or without + (URL-encode the +)' }) }),
      response: { 204: Type.Null({ description: 'Lifted' }), ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'prefix_block.lifted' },
  }, async (request, reply) => {
    const prefix = request.params.prefix.startsWith('+') ? request.params.prefix : `+${request.params.prefix}`;
    auditChange(request, { targetId: prefix });
    const service = await c.tenancy.getService(request.params.id);
    if (!(await c.guard.liftPrefixBlock(service, prefix))) throw new AppError('not_found', `No block of ${prefix} in service ${request.params.id}.`);
    c.logger.warn({ service_id: request.params.id, prefix }, 'prefix block lifted');
    return reply.code(204).send(null);
  });
};
